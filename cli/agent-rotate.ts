// podagg agent rotate-keys: give one WebID's agent fresh keys, keeping the old ones for the
// runs already pinned to them until the grace period ends.

import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { DEFAULT_GRACE_MS, rotateKeys } from '../agent/solid/rotate.ts';
import { login } from '../agent/solid/session.ts';
import { integer, parse } from './args.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const usage = `usage: podagg agent rotate-keys --credentials FILE --webid WEBID [--state DIR] [--grace-hours N] [--population URL,…]
  Generates a new X25519 and Ed25519 key pair for WEBID's agent (key file in DIR, mode
  0600) and publishes it in the WebID profile; new queries pin the new keys.
  The old pair is retired, not deleted: its secret keys stay in the key file and its public
  keys stay in the profile with sec:expires, now + N hours (default ${DEFAULT_GRACE_MS / 3600_000}), so runs
  published before the rotation still complete. Expired pairs are dropped by the next
  rotation or agent init. With --population, registers the new keys in each population
  (the old registration counts until the old keys expire). A running agent picks the new
  keys up by itself.
  DIR: default ${STATE_DEFAULT}.`;

export async function agentRotate(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, state: { type: 'string' }, 'grace-hours': { type: 'string' }, population: { type: 'string' },
  }, { required: ['credentials', 'webid'] });
  if (values.help) return (console.log(usage), 0);
  const graceMs = integer(values['grace-hours'], '--grace-hours', DEFAULT_GRACE_MS / 3600_000, 0) * 3600_000;
  const populations = values.population?.split(',').filter(Boolean) ?? [];
  const [credential] = selectCredentials(await readCredentials(values.credentials!), values.webid, false);
  const session = await login(credential);
  try {
    const report = await rotateKeys(session, credential, stateDir(values.state), { graceMs, populations });
    const joined = Object.entries(report.registrations).map(([p, outcome]) => `; ${p}: ${outcome}`).join('');
    console.log(`${credential.webId}: rotated keys; the old keys count until ${report.retiredUntil}${report.dropped ? `; dropped ${report.dropped} expired pairs` : ''}${joined}`);
    return 0;
  } finally {
    await session.logout();
  }
}
