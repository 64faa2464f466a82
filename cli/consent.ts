// podagg consent set: write the owner's consent policy into the pod (owner-only).

import { DPV, PREFIXES } from '../query-vocab/terms.ts';
import type { ConsentPolicy } from '../query-vocab/types.ts';
import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { writePolicy } from '../agent/solid/consent-store.ts';
import { resolveScope } from '../agent/solid/data-scope.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { login } from '../agent/solid/session.ts';
import { UsageError, integer, parse, positive } from './args.ts';

export const usage = `usage: podagg consent set --credentials FILE (--webid WEBID | --all) --purposes LIST
         [--queriers any|WEBID,…] [--scope URL,…] [--scope-class IRI,…] [--min-group-size N] [--min-contributors N] [--max-per-day N]
         [--budget EPSILON [--budget-days N] [--budget-per querier|purpose]] [--max-epsilon EPSILON] [--require-dp]
  LIST: DPV purposes, as full IRIs or short names (ResearchAndDevelopment,AcademicResearch).
  --scope: the containers or documents the agent may query (default, without --scope-class: the pod's data/ folder).
  --scope-class: RDF classes (full IRIs or prefix:name, e.g. schema:Person) whose instances and instance
    containers registered in the owner's type indexes the agent may query, looked up again at each query.
  --budget: the ε differentially private queries may spend over any --budget-days days (default 365),
    per querier (default) or per purpose; the agent adds up the ε its consent log records and refuses beyond it.
  --max-epsilon: refuse a query asking more ε than this.  --require-dp: refuse every query without differential privacy.
  Every container, document and class must exist (be registered) now, or nothing is written.
  Defaults: queriers any, min group size 3, min contributors 10, 20 queries a day, no budget.`;

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** `prefix:name` with a known prefix becomes the full IRI; anything else is left as given. */
function expandClass(name: string): string {
  const colon = name.indexOf(':');
  const base = colon > 0 ? PREFIXES[name.slice(0, colon)] : undefined;
  return base ? base + name.slice(colon + 1) : name;
}

/** The budget flags as policy fields; the period and its unit only go with a budget. */
function privacyLimits(values: Record<string, string | boolean | undefined>): Pick<ConsentPolicy, 'privacyBudget' | 'maxEpsilonPerQuery' | 'requireDifferentialPrivacy'> {
  const epsilon = positive(values.budget, '--budget');
  const per = values['budget-per'] ?? 'querier';
  if (per !== 'querier' && per !== 'purpose') throw new UsageError(`--budget-per must be querier or purpose, not "${per}"`);
  if (epsilon === undefined && (values['budget-days'] !== undefined || values['budget-per'] !== undefined)) throw new UsageError('--budget-days and --budget-per go with --budget');
  const maxEpsilon = positive(values['max-epsilon'], '--max-epsilon');
  return {
    ...(epsilon === undefined ? {} : { privacyBudget: { epsilon, periodDays: positive(values['budget-days'], '--budget-days') ?? 365, per } }),
    ...(maxEpsilon === undefined ? {} : { maxEpsilonPerQuery: maxEpsilon }),
    ...(values['require-dp'] ? { requireDifferentialPrivacy: true } : {}),
  };
}

export async function consentSet(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, purposes: { type: 'string' },
    queriers: { type: 'string' }, scope: { type: 'string' }, 'scope-class': { type: 'string' }, 'min-group-size': { type: 'string' },
    'min-contributors': { type: 'string' }, 'max-per-day': { type: 'string' }, budget: { type: 'string' }, 'budget-days': { type: 'string' },
    'budget-per': { type: 'string' }, 'max-epsilon': { type: 'string' }, 'require-dp': { type: 'boolean' },
  }, { required: ['credentials', 'purposes'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const purposes = list(values.purposes).map((p) => (p.includes(':') ? p : DPV.$ + p));
  if (purposes.length === 0) throw new UsageError('--purposes needs at least one purpose');
  const queriers = list(values.queriers ?? 'any');
  const dataClasses = list(values['scope-class']).map(expandClass);
  for (const q of [...queriers.filter((q) => q !== 'any'), ...list(values.scope), ...dataClasses]) {
    if (!URL.canParse(q)) throw new UsageError(`"${q}" is not a URL`);
  }
  const limits = {
    minGroupSize: integer(values['min-group-size'], '--min-group-size', 3),
    minContributors: integer(values['min-contributors'], '--min-contributors', 10),
    maxQueriesPerDay: integer(values['max-per-day'], '--max-per-day', 20),
    ...privacyLimits(values),
  };
  for (const credential of selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false)) {
    const session = await login(credential);
    try {
      const scope = {
        dataScope: values.scope || dataClasses.length ? list(values.scope) : [new URL('data/', credential.podUrl).href],
        dataClasses,
      };
      // Refused now rather than found missing at every query the agent would then decline.
      const resolved = await resolveScope(session.fetch, credential.webId, scope);
      if ('missing' in resolved) throw new Error(`${credential.webId}: scope missing: ${resolved.missing}; no policy was written`);
      const url = await writePolicy(session.fetch, credential.podUrl, {
        id: podLayout(credential.podUrl).consentPolicy,
        owner: credential.webId,
        purposes,
        anyQuerier: queriers.includes('any'),
        queriers: queriers.filter((q) => q !== 'any'),
        ...scope,
        ...limits,
      });
      console.log(`${credential.webId}: policy written to ${url} (its scope holds ${resolved.documents.length} documents now)`);
    } finally {
      await session.logout();
    }
  }
  return 0;
}
