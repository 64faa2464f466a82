// One simulated run of one configuration, reduced to a CSV row: whether a result came
// out, its completeness, the latency, messages, bytes and busy time per role and per node.
// Completeness is the true one (included / members that sent shares, which the simulator
// knows); the querier's own figure can only count the contributors it heard of, so it reads
// high when a whole subtree vanished: it is kept as reportedCompleteness. The CSV leaves
// out the wall time, so the same seed gives the same bytes.
// The vector is modelled: messages are charged its size on the wire and in the AEAD, but
// the simulated payload is one COUNT and one SUM, so a million nodes fit in memory.

import type { PlanParams, StrategyName, Timeouts, WebId } from '../../query-vocab/types.ts';
import { proposePlan } from '../core/planner.ts';
import { STRATEGIES, isThreshold } from '../core/strategy.ts';
import type { Uniform } from './rng.ts';
import { buildScenario } from './scenario.ts';
import type { CostModel } from './network.ts';
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
  /** Share of aggregators and backups failing per second. */
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
  'result', 'completeness', 'reportedCompleteness', 'latencyMs', 'contributors', 'failures', 'messages', 'bytes',
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

export function defaultPopulation(c: Pick<ExperimentConfig, 'depth' | 'fanout' | 'groupSize' | 'selectivity' | 'backupRatio'>): number {
  let groups = 0;
  for (let l = 0; l < c.depth; l++) groups += c.fanout ** l;
  const contributors = Math.ceil(c.fanout ** c.depth / c.selectivity);
  return Math.max(contributors, Math.ceil(groups * c.groupSize * (1 + c.backupRatio)) + 1);
}

/** AES-GCM in node:crypto runs at about 1.7 GB/s here (docs/design.md): bytes per ms. */
const AEAD_BYTES_PER_MS = 1.7e6;

export function runExperiment(cfg: ExperimentConfig): ExperimentRow {
  const wall = performance.now();
  const population = cfg.population ?? defaultPopulation(cfg);
  const shamir = isThreshold(STRATEGIES[cfg.strategy]);
  const threshold = shamir ? (cfg.threshold ?? defaultThreshold(cfg.groupSize)) : cfg.groupSize;
  const latency = parseLatency(cfg.latency);
  const vectorBytes = cfg.vectorSize * 8;
  const cryptoMs = cfg.cryptoMs + vectorBytes / AEAD_BYTES_PER_MS;
  const planned = proposePlan({
    population,
    selectivity: cfg.selectivity,
    latencyMs: latency.mean,
    cryptoMs,
    bandwidthBytesPerMs: cfg.bandwidth,
    vectorLength: cfg.vectorSize,
    failureRate: cfg.failureRate,
    minGroupSize: shamir ? threshold : cfg.groupSize,
    fixed: { depth: cfg.depth, fanout: cfg.fanout, groupSize: cfg.groupSize, strategy: cfg.strategy, threshold },
  });
  const params: PlanParams = {
    ...planned.params,
    threshold,
    backupRatio: cfg.backupRatio,
    timeouts: { ...planned.params.timeouts, ...cfg.timeouts },
  };
  const model: CostModel = {
    latencyMs: latency.draw,
    bandwidthBytesPerMs: cfg.bandwidth,
    cryptoMs,
    signMs: 0,
    detectMs: 2 * latency.mean,
    evaluateMs: 0,
    messageBytes: (m) => 300 + (m.type === 'Contribution' || m.type === 'PartialAggregate' ? vectorBytes + 57 : 0),
  };
  const s = buildScenario({ population, selectivity: cfg.selectivity, params, seed: cfg.seed, crypto: cfg.crypto, model, failureRate: cfg.failureRate });
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
    completeness: published ? published.result.contributors / Math.max(1, s.sim.contributors) : 0,
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
