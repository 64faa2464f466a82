// Loading what a run needs before the core sees it: the query and its plan (public
// documents, read without the owner's credentials, so a message naming some IRI cannot
// make the agent fetch it as its owner), the population snapshot, and the checks that the
// plan is the query's, zones only registered members, and follows from the nonce.

import { documentOf, parsePlan, parseQuery, type AggregationPlan, type AggregationQuery, type Registration, type WebId } from '../../query-vocab/index.ts';
import { verifyPlan } from '../core/sortition.ts';
import { getTurtle, type Fetch } from './pod.ts';
import { loadPopulation, type PeerCache } from './population.ts';
import { runDirectory } from './run-keys.ts';

export interface RunDocuments {
  query: AggregationQuery;
  plan: AggregationPlan;
  /** The participants' registrations, with the keys the plan pins. */
  directory: Map<WebId, Registration>;
}

/** Throws a readable error when anything does not check out; `fetch` is the owner's, for the population. */
export async function loadRun(fetch: Fetch, peers: PeerCache, queryUrl: string): Promise<RunDocuments> {
  const docUrl = documentOf(queryUrl);
  const query = parseQuery(await getTurtle(globalThis.fetch, docUrl), docUrl);
  if (query.id !== queryUrl) throw new Error(`the document holds query ${query.id}, not ${queryUrl}`);
  if (!query.plan || !query.nonce) throw new Error('the query names no plan or nonce');
  const planUrl = documentOf(query.plan);
  const plan = parsePlan(await getTurtle(globalThis.fetch, planUrl), planUrl);
  if (plan.query !== query.id || plan.nonce !== query.nonce) throw new Error(`plan ${plan.id} is not the plan of ${query.id}`);
  const snapshot = await loadPopulation(fetch, query.population, peers);
  const zoned = Object.keys(plan.zones);
  const strangers = zoned.filter((w) => !snapshot.members.has(w));
  if (strangers.length) throw new Error(`the plan zones ${strangers.length} WebIDs that are not registered, e.g. ${strangers[0]}`);
  verifyPlan(plan, zoned);
  return { query, plan, directory: await runDirectory(query, plan, snapshot, peers) };
}
