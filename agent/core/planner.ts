// The planner: an analytic model of one query's latency, completeness and cost for every
// candidate shape (depth, fanout, group size k, threshold t) and strategy, and a choice:
// the fastest candidate whose expected completeness reaches the target, the cheapest
// (fewest messages) among equally fast ones; when none reaches it, the most complete.
// Timeouts are set from the same model, with margin, so a healthy run never waits on one.
//
// Model (per ms): a hop costs the latency plus the payload over the bandwidth; a seal or
// an open costs `cryptoMs`; an aggregator opens its inputs one after the other. A node
// fails during the query with probability q = 1 − exp(−rate · T); a group of k loses a
// position with probability 1 − (1 − q)^k, a replaced position is lost only if its backup
// fails too (≈ q²), a Shamir group survives while t of k remain. Over Solid every message
// is three requests at its recipient's pod server (POST, GET, DELETE), every member
// reads the one announcement, the query, the plan, its policy and data and writes its consent, and peers check
// each other's keys in their profiles: the servers' throughput then bounds the run, and
// the time they need for all of it is added.

import type { PlanParams, StrategyName, Timeouts } from '../../query-vocab/types.ts';
import { strategyProblem } from './dp-release.ts';
import { ProtocolError } from './errors.ts';
import { VALIDATED_THRESHOLD } from './circuits.ts';
import { STRATEGIES, isThreshold, replaces, replacesAt, strategyOf, syncAt, type Strategy } from './strategy.ts';

export interface Situation {
  population: number;
  /** Expected fraction (0, 1] of the population that contributes. */
  selectivity: number;
  latencyMs: number;
  /** Cost of one seal or open (per message, at this vector size). */
  cryptoMs: number;
  /** Bytes per ms; Infinity when bandwidth does not matter. */
  bandwidthBytesPerMs?: number;
  /** Elements of the encoded vector. */
  vectorLength: number;
  /** Share of nodes failing per second. */
  failureRate: number;
  /** Smallest coalition allowed to reconstruct (the consent policies' minGroupSize). */
  minGroupSize?: number;
  /** Expected completeness to reach (default 0.95). */
  target?: number;
  /** Parameters the querier fixed by hand. */
  fixed?: Partial<PlanParams>;
  /** The query is released with noise: only strategies whose root positions release once (dp-release.ts). */
  differentialPrivacy?: boolean;
  /**
   * Contributions carry Prio3 proofs: additive strategies only, and at least two leaves, so
   * that no leaf member has to be left out of every zone (sortition.ts).
   */
  validated?: boolean;
  /** When messages travel through pod servers (Solid); absent in the latency-only model. */
  servers?: PodServers;
}

export interface PodServers {
  /** Requests the pod servers answer per second, all of them together. */
  requestsPerSecond: number;
  /** Requests a member makes besides messages and peer checks: query, plan, policy, data, consent entry. */
  requestsPerMember: number;
  /** Reads that check one peer's keys and inbox (its WebID document and the profile it links). */
  requestsPerPeerCheck: number;
}

/** A message costs its POST into the inbox, and its recipient's GET and DELETE. */
export const REQUESTS_PER_MESSAGE = 3;

/**
 * Peers checked per member, each agent on its own (a deployment shares no cache): a member
 * checks the k leaf members it seals to and the querier; the querier checks it when it
 * reads the population (and reads its registration, counted as one more check's worth).
 * Backups and inner groups check a few more; left out.
 */
export function peerChecksPerMember(k: number): number {
  return k + 2;
}

export interface Estimates {
  latencyMs: number;
  completeness: number;
  messages: number;
  /** Requests to pod servers (0 without servers). */
  requests: number;
  bytes: number;
  aggregators: number;
  /** Shares a leaf aggregator opens. */
  leafLoad: number;
  failureProbability: number;
}

export interface Proposal {
  params: PlanParams;
  explanation: string;
  estimates: Estimates;
}

const FANOUTS = [2, 3, 4, 6, 8, 12, 16, 24, 32, 64];
const MAX_DEPTH = 8;
const DETECT_FACTOR = 2; // a failure is noticed after about two latencies

function groupsOf(depth: number, fanout: number): number {
  let g = 0;
  for (let l = 0; l < depth; l++) g += fanout ** l;
  return g;
}

function binomialAtLeast(k: number, t: number, p: number): number {
  let sum = 0;
  for (let j = t; j <= k; j++) {
    let c = 1;
    for (let i = 0; i < j; i++) c = (c * (k - i)) / (i + 1);
    sum += c * p ** j * (1 - p) ** (k - j);
  }
  return sum;
}

interface Candidate {
  params: PlanParams;
  estimates: Estimates;
}

/**
 * The chance that nothing is lost, from the chance `alive` that one node survives and
 * `replaced` that a replaced position survives (its backup too).
 */
function completenessOf(st: Strategy, depth: number, k: number, t: number, aggregators: number, alive: number, replaced: number): number {
  if (st.propagation === 'full') return alive ** aggregators; // any failure: no result
  if (isThreshold(st)) return binomialAtLeast(k, t, alive) ** depth;
  // Every level has k positions; one is lost when its aggregator fails and nobody replaces it.
  const replacedLevels = (replacesAt(st, true) ? 1 : 0) + (replacesAt(st, false) ? depth - 1 : 0);
  return alive ** (k * (depth - replacedLevels)) * replaced ** (k * replacedLevels);
}

function evaluate(s: Situation, depth: number, fanout: number, k: number, t: number, strategy: StrategyName): Candidate | null {
  const st = STRATEGIES[strategy];
  const groups = groupsOf(depth, fanout);
  const aggregators = groups * k;
  // A fifth of the aggregators, and at least one backup per position of a group (backup.ts).
  const backupRatio = replaces(st) ? Math.max(0.2, k / aggregators) : 0;
  if (aggregators + Math.ceil(backupRatio * aggregators) > s.population) return null;
  const leaves = fanout ** (depth - 1);
  const lat = s.latencyMs;
  const c = s.cryptoMs;
  const bytes = s.vectorLength * 8 + 300;
  const hop = lat + (s.bandwidthBytesPerMs && Number.isFinite(s.bandwidthBytesPerMs) ? bytes / s.bandwidthBytesPerMs : 0);
  const contributors = s.population * s.selectivity;
  const leafLoad = contributors / leaves;
  const confirmations = st.sync === 'none' ? 0 : groups * k * (k - 1);
  // k answers from each member (shares or abstentions), the sync, the sums up; the announcement is one document all members read.
  const messages = s.population * k + confirmations + groups * k;
  const requests = s.servers ? s.population * (s.servers.requestsPerMember + peerChecksPerMember(k) * s.servers.requestsPerPeerCheck) + messages * REQUESTS_PER_MESSAGE : 0;
  // However short the path, the servers answer them all at their throughput, most before the leaves close.
  const serversMs = s.servers ? (1000 * requests) / s.servers.requestsPerSecond : 0;
  const arrival = 2 * lat + k * c + hop + leafLoad * c + serversMs; // announce, split and seal, send, open all
  const timeouts: Timeouts = {
    collectMs: Math.ceil(1.5 * arrival) + 100,
    syncMs: Math.ceil(2 * (lat + k * c)) + 50,
    childMs: Math.ceil(1.5 * (hop + fanout * c + c)) + 50,
  };
  // Every zone member answers, with shares or an abstention: leaves close on arrival.
  const leafDone = arrival;
  const syncCost = (leaf: boolean) => (syncAt(st, leaf) === 'blocking' ? lat + k * c : 0);
  let latency = leafDone + syncCost(true) + c;
  for (let level = 1; level < depth; level++) latency += hop + fanout * c + syncCost(false) + c;
  latency += hop + k * c;
  const q = 1 - Math.exp((-s.failureRate * latency) / 1000);
  const alive = 1 - q;
  const replaced = 1 - q * q;
  const completeness = completenessOf(st, depth, k, t, aggregators, alive, replaced);
  // Replacing costs a detection and a re-collection on the paths that saw a failure.
  const touched = 1 - alive ** (k * depth);
  if (replaces(st)) latency += touched * (DETECT_FACTOR * lat + timeouts.syncMs + depth * hop);
  if (st.standby === 'stay' && q > 0) latency += touched * timeouts.childMs;
  const params: PlanParams = { depth, fanout, groupSize: k, threshold: t, strategy, backupRatio, timeouts };
  return {
    params,
    estimates: {
      latencyMs: Math.round(latency),
      completeness,
      messages: Math.round(messages),
      requests: Math.round(requests),
      bytes: Math.round((contributors * k + groups * k) * bytes),
      aggregators,
      leafLoad,
      failureProbability: q,
    },
  };
}

export function proposePlan(s: Situation): Proposal {
  const minK = Math.max(2, s.minGroupSize ?? 3);
  const target = s.target ?? 0.95;
  const f = s.fixed ?? {};
  const candidates: Candidate[] = [];
  const refused = f.strategy && s.differentialPrivacy ? strategyProblem(STRATEGIES[f.strategy]) : null;
  if (refused) throw new ProtocolError('bad-input', refused);
  if (f.strategy && s.validated && isThreshold(STRATEGIES[f.strategy])) throw new ProtocolError('bad-input', VALIDATED_THRESHOLD);
  for (const strategy of Object.keys(STRATEGIES) as StrategyName[]) {
    if (f.strategy && f.strategy !== strategy) continue;
    if (s.differentialPrivacy && strategyProblem(STRATEGIES[strategy])) continue;
    if (s.validated && isThreshold(STRATEGIES[strategy])) continue;
    for (let depth = s.validated && !f.depth ? 2 : 1; depth <= MAX_DEPTH; depth++) {
      if (f.depth && f.depth !== depth) continue;
      for (const fanout of f.fanout ? [f.fanout] : depth === 1 ? [1] : FANOUTS) {
        for (let k = minK; k <= minK + 3; k++) {
          if (f.groupSize && f.groupSize !== k) continue;
          // Threshold keeps the coalition size at minK and adds members that may fail.
          const shamir = isThreshold(STRATEGIES[strategy]);
          const t = shamir ? (f.threshold ?? minK) : k;
          if (shamir && (t >= k || t < minK)) continue;
          const cand = evaluate(s, depth, fanout, k, t, strategy);
          if (!cand) continue;
          if (f.backupRatio !== undefined) cand.params.backupRatio = f.backupRatio;
          if (f.timeouts) cand.params.timeouts = { ...cand.params.timeouts, ...f.timeouts };
          candidates.push(cand);
        }
      }
    }
  }
  if (candidates.length === 0) {
    throw new ProtocolError('bad-input', `no plan fits a population of ${s.population} with groups of at least ${minK}`);
  }
  const good = candidates.filter((c) => c.estimates.completeness >= target);
  const pool = good.length > 0 ? good : candidates;
  pool.sort((a, b) =>
    good.length > 0
      ? a.estimates.latencyMs - b.estimates.latencyMs || a.estimates.messages - b.estimates.messages
      : b.estimates.completeness - a.estimates.completeness || a.estimates.latencyMs - b.estimates.latencyMs,
  );
  const best = pool[0];
  const p = best.params;
  const e = best.estimates;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const explanation =
    `${p.strategy} over depth ${p.depth}, fanout ${p.fanout} and groups of ${p.groupSize}` +
    (isThreshold(strategyOf(p)) ? ` (any ${p.threshold} reconstruct)` : '') +
    ` is expected to finish in ${(e.latencyMs / 1000).toFixed(1)} s at ${pct(e.completeness)} completeness for about ` +
    `${Math.round(s.population * s.selectivity)} contributors (${pct(s.failureRate)} of nodes failing per second` +
    (e.requests > 0 ? `, about ${e.requests} requests to the pod servers), ` : '), ') +
    (good.length > 0 ? `the fastest of ${good.length} shapes that reach the ${pct(target)} target.` : `the most complete shape, as none reaches the ${pct(target)} target.`);
  return { params: p, explanation, estimates: e };
}
