// podagg pods seed: the demo's synthetic personal data in pods made to try podagg, so that
// the example queries have something to read.

import { readCredentials } from '../agent/solid/credentials.ts';
import { login } from '../agent/solid/session.ts';
import { DEFAULT_SEED } from '../demo/data.ts';
import { seedPod } from '../demo/seed.ts';
import { integer, parse } from './args.ts';

export const usage = `usage: podagg pods seed --credentials FILE [--seed N]
  Writes synthetic personal data (age and region, thirty days of steps, a month of bank
  operations: the demo's generator) into the data/ folder of every pod of the credentials
  file, owner-only; the i-th entry gets person i of seed N (default ${DEFAULT_SEED}). It replaces
  data/person, data/activity and data/bank: for pods such as 'podagg pods up' makes.`;

export async function podsSeed(args: string[]): Promise<number> {
  const { values } = parse(args, { credentials: { type: 'string' }, seed: { type: 'string' } }, { required: ['credentials'] });
  if (values.help) return (console.log(usage), 0);
  const seed = integer(values.seed, '--seed', DEFAULT_SEED, 0);
  for (const [index, credential] of (await readCredentials(values.credentials!)).entries()) {
    const session = await login(credential);
    try {
      const documents = await seedPod(session.fetch, credential.podUrl, seed, index);
      console.log(`${credential.webId}: wrote ${Object.keys(documents).join(', ')}`);
    } finally {
      await session.logout();
    }
  }
  return 0;
}
