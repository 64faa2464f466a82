// podagg consent set: write the owner's consent policy into the pod (owner-only).

import { DPV } from '../query-vocab/terms.ts';
import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { writePolicy } from '../agent/solid/consent-store.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { login } from '../agent/solid/session.ts';
import { UsageError, integer, parse } from './args.ts';

export const usage = `usage: podagg consent set --credentials FILE (--webid WEBID | --all) --purposes LIST
         [--queriers any|WEBID,…] [--scope URL,…] [--min-group-size N] [--min-contributors N] [--max-per-day N]
  LIST: DPV purposes, as full IRIs or short names (ResearchAndDevelopment,AcademicResearch).
  --scope: the containers or documents the agent may query (default: the pod's data/ folder).
  Defaults: queriers any, min group size 3, min contributors 10, 20 queries a day.`;

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export async function consentSet(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, purposes: { type: 'string' },
    queriers: { type: 'string' }, scope: { type: 'string' }, 'min-group-size': { type: 'string' },
    'min-contributors': { type: 'string' }, 'max-per-day': { type: 'string' },
  }, { required: ['credentials', 'purposes'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const purposes = list(values.purposes).map((p) => (p.includes(':') ? p : DPV.$ + p));
  if (purposes.length === 0) throw new UsageError('--purposes needs at least one purpose');
  const queriers = list(values.queriers ?? 'any');
  for (const q of [...queriers.filter((q) => q !== 'any'), ...list(values.scope)]) {
    if (!URL.canParse(q)) throw new UsageError(`"${q}" is not a URL`);
  }
  const limits = {
    minGroupSize: integer(values['min-group-size'], '--min-group-size', 3),
    minContributors: integer(values['min-contributors'], '--min-contributors', 10),
    maxQueriesPerDay: integer(values['max-per-day'], '--max-per-day', 20),
  };
  for (const credential of selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false)) {
    const session = await login(credential);
    try {
      const url = await writePolicy(session.fetch, credential.podUrl, {
        id: podLayout(credential.podUrl).consentPolicy,
        owner: credential.webId,
        purposes,
        anyQuerier: queriers.includes('any'),
        queriers: queriers.filter((q) => q !== 'any'),
        dataScope: values.scope ? list(values.scope) : [new URL('data/', credential.podUrl).href],
        ...limits,
      });
      console.log(`${credential.webId}: policy written to ${url}`);
    } finally {
      await session.logout();
    }
  }
  return 0;
}
