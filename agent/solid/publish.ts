// The querier's side of publishing: validate the query, draw the nonce, plan from the
// population snapshot (the planner proposes what the query does not fix), pin the
// participants' current keys for the run in its key sheets, and write the query, plan and sheet documents, readable by anyone, into the querier's pod.

import { randomBytes } from 'node:crypto';
import { checkQuery, documentOf, parseQuery, serializeKeySheet, serializePlan, serializeQuery } from '../../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, Timeouts } from '../../query-vocab/index.ts';
import { releaseProblems } from '../core/dp-release.ts';
import { compileLayout } from '../core/encoding.ts';
import { proposePlan, type Estimates, type Situation } from '../core/planner.ts';
import { buildPlan } from '../core/sortition.ts';
import { validationProblems } from '../core/circuits.ts';
import { STRATEGIES, ringOf } from '../core/strategy.ts';
import { podLayout } from './layout.ts';
import { loadPopulation, type PeerCache } from './population.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { ensureContainer, putTurtle } from './pod.ts';
import { inParallel } from './in-parallel.ts';
import { keySheets, pinRunKeys } from './run-keys.ts';
import type { AgentSession } from './session.ts';

export interface PublishOptions {
  session: AgentSession;
  podUrl: string;
  /** The query as hand-written Turtle; its querier becomes the publishing WebID. */
  turtle: string;
  /** Overrides the query's population directory. */
  population?: string;
  peers: PeerCache;
  /** Fields that replace the document's, e.g. a smaller minContributors for a small demo. */
  overrides?: Partial<Pick<AggregationQuery, 'minContributors' | 'deadline' | 'expectedSelectivity' | 'fixedParams' | 'hideParticipation' | 'nonce'>>;
  /** Floors under the planner's timeouts: HTTP, polling and SPARQL are slower than the model's network. */
  minTimeouts?: Partial<Timeouts>;
}

export interface Published {
  query: AggregationQuery;
  plan: AggregationPlan;
  explanation: string;
  /** The planner's expectations for the chosen plan. */
  estimates: Estimates;
}

/**
 * The embedded Community Solid Server as `npm run bench -- solid` measured it (BENCHMARKS.md,
 * "Solid server"): one request unloaded, and requests answered per second when many are in
 * flight. A hop is a POST, a notification and a GET.
 */
export const SOLID_SERVER = { requestMs: 6.2, requestsPerSecond: 194 };
/** Besides messages, a member reads the announcement, the query, the plan, its zone's key sheet and its policy, writes its consent, and reads its data (about 4 documents in the examples). */
const REQUESTS_PER_MEMBER = 10;
/** A peer's keys are in the extended profile its WebID document links: two reads. */
const REQUESTS_PER_PEER_CHECK = 2;
const SOLID_SITUATION: Pick<Situation, 'latencyMs' | 'cryptoMs' | 'failureRate' | 'servers'> = {
  latencyMs: 3 * SOLID_SERVER.requestMs,
  cryptoMs: 2,
  failureRate: 0,
  servers: { requestsPerSecond: SOLID_SERVER.requestsPerSecond, requestsPerMember: REQUESTS_PER_MEMBER, requestsPerPeerCheck: REQUESTS_PER_PEER_CHECK },
};
/**
 * Floors: every deadline counts from the plan's start on each agent's clock, so every wait
 * must outlast the clock-skew bound (MAX_CLOCK_SKEW_MS), and on a loaded server members
 * hear of a query seconds apart.
 */
export const SOLID_MIN_TIMEOUTS: Timeouts = { collectMs: 25_000, syncMs: 10_000, childMs: 10_000 };

export async function publishQuery(o: PublishOptions): Promise<Published> {
  const { queries } = podLayout(o.podUrl);
  const slug = `q-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const queryUrl = `${queries}${slug}`;
  const planUrl = `${queries}${slug}-plan`;
  const parsed = parseQuery(o.turtle, queryUrl);
  const query: AggregationQuery = {
    ...parsed,
    ...o.overrides,
    querier: o.session.webId,
    population: o.population ?? parsed.population,
    nonce: o.overrides?.nonce ?? randomBytes(16).toString('hex'),
    plan: planUrl,
  };
  const problems = [...checkQuery(query), ...releaseProblems(query), ...validationProblems(query)];
  if (problems.length) throw new Error(`the query is not valid:\n${problems.join('\n')}`);
  const snapshot = await loadPopulation(o.session.fetch, query.population, o.peers);
  const population = [...snapshot.members.keys()].sort();
  if (population.length < query.minContributors) {
    throw new Error(`the population ${query.population} has ${population.length} members, fewer than the query's minContributors (${query.minContributors})`);
  }
  // Without synchronisation the k leaf members must see the same contributors by their
  // deadline; over HTTP with polling, jitter near the deadline splits them and LowCost
  // then gives no result. So over Solid the default is a strategy whose leaves sync.
  const strategy = query.fixedParams?.strategy ?? 'SafeAndPrompt';
  const layout = compileLayout(query.aggregates, population.length, ringOf(STRATEGIES[strategy]));
  const proposal = proposePlan({
    ...SOLID_SITUATION,
    population: population.length,
    // Hiding who matched, every member that answers sends shares, and its leaf opens them all.
    selectivity: query.hideParticipation ? 1 : query.expectedSelectivity,
    vectorLength: layout.length,
    differentialPrivacy: query.differentialPrivacy !== undefined,
    validated: query.validated,
    fixed: { ...query.fixedParams, strategy },
  });
  const floors = { ...SOLID_MIN_TIMEOUTS, ...o.minTimeouts };
  const t = proposal.params.timeouts;
  const params = {
    ...proposal.params,
    timeouts: { collectMs: Math.max(t.collectMs, floors.collectMs), syncMs: Math.max(t.syncMs, floors.syncMs), childMs: Math.max(t.childMs, floors.childMs) },
    ...query.fixedParams,
  };
  const plan = buildPlan({ id: planUrl, query: queryUrl, nonce: query.nonce!, population, params, validated: query.validated });
  // Every agent's deadlines count from here, however late it hears of the run.
  plan.startsAt = new Date().toISOString();
  const sheets = keySheets(plan, query.querier, await pinRunKeys([...new Set([...population, query.querier])], snapshot, o.peers));
  await ensureContainer(o.session.fetch, queries);
  await ensureAccess(o.session.fetch, queries, POLICIES.publicContainer(o.session.webId));
  // The sheets, then the plan that links them, then the query that names the plan: an agent that reads one finds the others.
  await inParallel(sheets, 8, (sheet) => putTurtle(o.session.fetch, documentOf(sheet.id), serializeKeySheet(sheet)));
  await putTurtle(o.session.fetch, planUrl, serializePlan(plan));
  await putTurtle(o.session.fetch, queryUrl, serializeQuery(query));
  return { query, plan, explanation: proposal.explanation, estimates: proposal.estimates };
}
