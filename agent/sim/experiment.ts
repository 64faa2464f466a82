// One simulated run of one configuration, reduced to a CSV row: whether a result came
// out, its completeness, the latency, messages, bytes and busy time per role and per node.
// Completeness is the true one (included / members that sent shares, which the simulator
// knows); the querier's own figure can only count the contributors it heard of, so it reads
// high when a whole subtree vanished: it is kept as reportedCompleteness. The CSV leaves
// out the wall time, so the same seed gives the same bytes.
// The vector is modelled: messages are charged its size on the wire and in the AEAD, but
// the simulated payload is one COUNT and one SUM, so a million nodes fit in memory.

import type { Message, PlanParams, StrategyName, Timeouts, WebId } from '../../query-vocab/types.ts';
import { proposePlan } from '../core/planner.ts';
import { STRATEGIES, isThreshold } from '../core/strategy.ts';
import type { Uniform } from './rng.ts';
import { buildScenario, type Scenario } from './scenario.ts';
import type { CostModel, Outcome } from './network.ts';
import { topology } from '../core/topology.ts';

export interface ExperimentConfig {
  strategy: StrategyName;
  depth: number;
  fanout: number;
  groupSize: number;
  /** Shamir threshold (Threshold strategy); default a majority of the group. */
  threshold?: number;
  vectorSize: number;
  /** Default: every leaf gets `fanout` contributors, as in the paper. */
  population?: number;
  selectivity: number;
  /** Share of aggregators and backups (or of everyone, see `failing`) failing per second. */
  failureRate: number;
  /** 'C' constant ms, 'uniform:A:B', or 'exp:MEAN'. */
  latency: string;
  /** Bytes per ms; Infinity for none. */
  bandwidth: number;
  cryptoMs: number;
  backupRatio: number;
  seed: number;
  crypto: 'plain' | 'real';
  timeouts?: Partial<Timeouts>;
  /** Work per vector element on each share or aggregate received, and twice that per share generated (default 0). */
  computeMsPerElement?: number;
  /** Vector elements transmitted per ms: a vector message takes (m − 1) / this; default: bytes over `bandwidth`. */
  elementsPerMs?: number;
  /** Whether a node's sends go one after another (default: in parallel). */
  queueSends?: boolean;
  /** A contributor's consent check and evaluation (default 0). */
  evaluateMs?: number;
  /** Failure detection delay (default 2 latencies). */
  detectMs?: number;
  /** A backup's work taking over a position (default 0). */
  takeoverMs?: number;
  /** 'roles': aggregators and backups fail (default); 'everyone': every node but the querier, at uniform times over [0, 1/rate]. */
  failing?: 'roles' | 'everyone';
  /** 'hash': zones by the plan's hash, aggregators contribute too (default); 'exact': `fanout` contributors per leaf, apart from the roles. */
  zones?: 'hash' | 'exact';
  /** Whether an abort under full propagation stops everyone after (2·depth − height) latencies (default: when the querier hears). */
  globalStop?: boolean;
}

export interface ExperimentRow {
  strategy: StrategyName;
  depth: number;
  fanout: number;
  groupSize: number;
  threshold: number;
  vectorSize: number;
  population: number;
  selectivity: number;
  failureRate: number;
  seed: number;
  result: 0 | 1;
  completeness: number;
  /** Included / every planned contributor, those that failed before sending too (the paper's). */
  plannedCompleteness: number;
  reportedCompleteness: number;
  latencyMs: number;
  contributors: number;
  failures: number;
  messages: number;
  bytes: number;
  busyQuerierS: number;
  busyAggregatorS: number;
  busyBackupS: number;
  busyContributorS: number;
  busyNodeMeanS: number;
  busyNodeMaxS: number;
  events: number;
  wallMs: number;
}

export const CSV_COLUMNS: Array<keyof ExperimentRow> = [
  'strategy', 'depth', 'fanout', 'groupSize', 'threshold', 'vectorSize', 'population', 'selectivity', 'failureRate', 'seed',
  'result', 'completeness', 'plannedCompleteness', 'reportedCompleteness', 'latencyMs', 'contributors', 'failures', 'messages', 'bytes',
  'busyQuerierS', 'busyAggregatorS', 'busyBackupS', 'busyContributorS', 'busyNodeMeanS', 'busyNodeMaxS', 'events',
];

export function csvRow(row: ExperimentRow): string {
  return CSV_COLUMNS.map((c) => {
    const v = row[c];
    return typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)).toString() : String(v);
  }).join(',');
}

export function parseLatency(spec: string): { draw: (u: Uniform) => number; mean: number } {
  const [kind, a, b] = spec.split(':');
  const num = (s: string | undefined) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new Error(`bad latency "${spec}": use C, uniform:A:B or exp:MEAN (ms)`);
    return n;
  };
  if (kind === 'uniform') {
    const lo = num(a);
    const hi = num(b);
    return { draw: (u) => lo + (hi - lo) * u(), mean: (lo + hi) / 2 };
  }
  if (kind === 'exp') {
    const mean = num(a);
    return { draw: (u) => -mean * Math.log(1 - u()), mean };
  }
  const c = num(kind);
  return { draw: () => c, mean: c };
}

export function defaultThreshold(k: number): number {
  return Math.ceil((k + 1) / 2);
}

export function defaultPopulation(c: Pick<ExperimentConfig, 'depth' | 'fanout' | 'groupSize' | 'selectivity' | 'backupRatio' | 'zones'>): number {
  let groups = 0;
  for (let l = 0; l < c.depth; l++) groups += c.fanout ** l;
  const contributors = Math.ceil(c.fanout ** c.depth / c.selectivity);
  const roles = Math.ceil(groups * c.groupSize * (1 + c.backupRatio)) + 1;
  return c.zones === 'exact' ? roles + contributors : Math.max(contributors, roles);
}

/** AES-GCM in node:crypto runs at about 1.7 GB/s here (docs/design.md): bytes per ms. */
const AEAD_BYTES_PER_MS = 1.7e6;

/**
 * Ours: included / members that sent their shares (one that died before sending is not
 * lost). The paper's: included / every planned contributor (experimentRunner.ts:528-530).
 * A run without result is 0 for both.
 */
export function completenessOf(s: Scenario, outcome: Outcome | null): { completeness: number; plannedCompleteness: number } {
  if (outcome?.type !== 'publish') return { completeness: 0, plannedCompleteness: 0 };
  const included = outcome.result.contributors;
  return { completeness: included / Math.max(1, s.sim.contributors), plannedCompleteness: included / Math.max(1, s.planned) };
}

export function runExperiment(cfg: ExperimentConfig): ExperimentRow {
  const wall = performance.now();
  const population = cfg.population ?? defaultPopulation(cfg);
  const shamir = isThreshold(STRATEGIES[cfg.strategy]);
  const threshold = shamir ? (cfg.threshold ?? defaultThreshold(cfg.groupSize)) : cfg.groupSize;
  const latency = parseLatency(cfg.latency);
  const vectorBytes = cfg.vectorSize * 8;
  const cryptoMs = cfg.cryptoMs + vectorBytes / AEAD_BYTES_PER_MS;
  const compute = cfg.computeMsPerElement ?? 0;
  const perElement = cfg.elementsPerMs;
  // The planner knows a cost per seal or open and a bandwidth: the compute per element
  // received joins the former, a transmission rate in elements the latter.
  const planned = proposePlan({
    population,
    selectivity: cfg.selectivity,
    latencyMs: latency.mean,
    cryptoMs: cryptoMs + compute * cfg.vectorSize,
    bandwidthBytesPerMs: perElement ? perElement * 8 : cfg.bandwidth,
    vectorLength: cfg.vectorSize,
    failureRate: cfg.failureRate,
    minGroupSize: shamir ? threshold : cfg.groupSize,
    fixed: { depth: cfg.depth, fanout: cfg.fanout, groupSize: cfg.groupSize, strategy: cfg.strategy, threshold },
  });
  // It does not know a contributor's share generation nor its queued sends: a leaf waits
  // for the last share as long as 1.5 times its arrival, as the planner does (planner.ts).
  const transmit = perElement ? (cfg.vectorSize - 1) / perElement : 0;
  const shareMs = 2 * compute * cfg.vectorSize * cfg.groupSize;
  const arrival = 3 * latency.mean + (cfg.evaluateMs ?? 0) + shareMs + cfg.groupSize * transmit + cfg.fanout * (cryptoMs + compute * cfg.vectorSize);
  const collectMs = Math.max(planned.params.timeouts.collectMs, Math.ceil(1.5 * arrival) + 100);
  const params: PlanParams = {
    ...planned.params,
    threshold,
    backupRatio: cfg.backupRatio,
    timeouts: { ...planned.params.timeouts, collectMs, ...cfg.timeouts },
  };
  const isVector = (m: Message) => m.type === 'Contribution' || m.type === 'PartialAggregate';
  const model: CostModel = {
    latencyMs: latency.draw,
    bandwidthBytesPerMs: cfg.bandwidth,
    cryptoMs,
    signMs: 0,
    detectMs: cfg.detectMs ?? 2 * latency.mean,
    evaluateMs: cfg.evaluateMs ?? 0,
    messageBytes: (m) => 300 + (isVector(m) ? vectorBytes + 57 : 0),
    ...(perElement ? { transmitMs: (m: Message) => (isVector(m) ? (cfg.vectorSize - 1) / perElement : 0) } : {}),
    queueSends: cfg.queueSends ?? false,
    ...(compute ? { receiveMs: (m: Message) => (isVector(m) ? compute * cfg.vectorSize : 0), shareMs } : {}),
    takeoverMs: cfg.takeoverMs ?? 0,
    ...(cfg.globalStop ? { globalStopMs: (height: number, depth: number) => (2 * depth - height) * latency.mean } : {}),
  };
  const s = buildScenario({
    population,
    selectivity: cfg.selectivity,
    params,
    seed: cfg.seed,
    crypto: cfg.crypto,
    model,
    failureRate: cfg.failureRate,
    failing: cfg.failing,
    exactZones: cfg.zones === 'exact',
  });
  s.sim.start();
  const outcome = s.sim.run();
  const plan = topology(s.context(s.query.querier).plan).plan;
  const aggregators = new Set<WebId>(plan.groups.flatMap((g) => g.members));
  const backups = new Set<WebId>(plan.backups);
  const busy = { querier: 0, aggregator: 0, backup: 0, contributor: 0 };
  let max = 0;
  let total = 0;
  let messages = 0;
  let bytes = 0;
  for (const [w, st] of s.sim.stats) {
    const role = w === s.query.querier ? 'querier' : aggregators.has(w) ? 'aggregator' : backups.has(w) ? 'backup' : 'contributor';
    busy[role] += st.busyMs;
    max = Math.max(max, st.busyMs);
    total += st.busyMs;
    messages += st.sent;
    bytes += st.bytes;
  }
  const published = outcome?.type === 'publish' ? outcome : null;
  return {
    strategy: cfg.strategy,
    depth: cfg.depth,
    fanout: cfg.fanout,
    groupSize: cfg.groupSize,
    threshold,
    vectorSize: cfg.vectorSize,
    population,
    selectivity: cfg.selectivity,
    failureRate: cfg.failureRate,
    seed: cfg.seed,
    result: published ? 1 : 0,
    ...completenessOf(s, outcome),
    reportedCompleteness: published ? published.result.completeness : 0,
    latencyMs: outcome?.at ?? s.sim.clock,
    contributors: published ? published.result.contributors : 0,
    failures: s.failures.length,
    messages,
    bytes,
    busyQuerierS: busy.querier / 1000,
    busyAggregatorS: busy.aggregator / 1000,
    busyBackupS: busy.backup / 1000,
    busyContributorS: busy.contributor / 1000,
    busyNodeMeanS: total / 1000 / Math.max(1, population),
    busyNodeMaxS: max / 1000,
    events: s.sim.events,
    wallMs: Math.round(performance.now() - wall),
  };
}
