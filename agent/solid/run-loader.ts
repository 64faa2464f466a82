// Loading what a run needs before the core sees it: the query and its plan (public
// documents, read without the owner's credentials, so a message naming some IRI cannot
// make the agent fetch it as its owner), and the checks that the plan is the query's,
// follows from the nonce, zones this agent only if it joined the population (one read of
// its own registration), and pins keys the peers it writes to own (run-keys.ts). The population
// is the querier's to read, once, when it publishes: an agent's cost does not grow with it.

import { documentOf, parsePlan, parseQuery, type AggregationPlan, type AggregationQuery, type Registration, type WebId } from '../../query-vocab/index.ts';
import { verifyPlan } from '../core/sortition.ts';
import { getTurtle, type Fetch } from './pod.ts';
import { assertRegistered, type PeerCache } from './population.ts';
import { loadPins, runDirectory } from './run-keys.ts';

export interface RunDocuments {
  query: AggregationQuery;
  plan: AggregationPlan;
  /** The pinned keys and inboxes of the participants this agent deals with. */
  directory: Map<WebId, Registration>;
}

/**
 * Throws a readable error when anything does not check out; `fetch` is anonymous, `ownFetch`
 * the owner's (populations are read by members only). `leafBackups` checks the leaf's
 * backups now: a run resumed after failures may already seal to them.
 */
export async function loadRun(fetch: Fetch, ownFetch: Fetch, self: WebId, peers: PeerCache, queryUrl: string, o = { leafBackups: false }): Promise<RunDocuments> {
  const docUrl = documentOf(queryUrl);
  const query = parseQuery(await getTurtle(fetch, docUrl), docUrl);
  if (query.id !== queryUrl) throw new Error(`the document holds query ${query.id}, not ${queryUrl}`);
  if (!query.plan || !query.nonce) throw new Error('the query names no plan or nonce');
  const planUrl = documentOf(query.plan);
  const plan = parsePlan(await getTurtle(fetch, planUrl), planUrl);
  if (plan.query !== query.id || plan.nonce !== query.nonce) throw new Error(`plan ${plan.id} is not the plan of ${query.id}`);
  // Every member has a zone but, in a validated query with one leaf, that leaf's members.
  verifyPlan(plan, [...new Set([...Object.keys(plan.zones), ...plan.groups.flatMap((g) => g.members), ...plan.backups])], query.validated);
  const pins = await loadPins(fetch, query, plan, self);
  if (self in plan.zones) await assertRegistered(ownFetch, query.population, { webId: self, ...pins[self] }, peers);
  return { query, plan, directory: await runDirectory(query, plan, pins, self, peers, o) };
}
