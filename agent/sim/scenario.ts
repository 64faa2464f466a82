// A complete simulated query from a handful of numbers: a population with keys and a
// directory, a query (COUNT and SUM of one bounded value by default), the plan by
// sortition, who contributes (each member with probability `selectivity`) and what, and
// which aggregators fail when. Tests, the CLI and the benchmarks all build runs here.

import type { AggregateSpec, AggregationPlan, AggregationQuery, DifferentialPrivacy, PlanParams, Registration, WebId } from '../../query-vocab/types.ts';
import { encodeRows, type Row } from '../core/encoding.ts';
import type { Event, RunContext } from '../core/io.ts';
import { generateKeys, type AgentKeys } from '../core/keys.ts';
import { layoutOf } from '../core/protocol.ts';
import { seededRandom, type RandomSource } from '../core/random.ts';
import { buildPlan } from '../core/sortition.ts';
import { querierAfterMs } from '../core/strategy.ts';
import { realCrypto } from '../core/suite.ts';
import { Simulation, type CostModel, type SimOptions } from './network.ts';
import { plainCrypto } from './plain-crypto.ts';
import { uniform } from './rng.ts';

export interface ScenarioOptions {
  population: number;
  selectivity: number;
  params: PlanParams;
  seed: number;
  crypto: 'real' | 'plain';
  model: CostModel;
  minContributors?: number;
  aggregates?: AggregateSpec[];
  /** Released with noise (participation hidden: members who decline stand for those who do not consent). */
  differentialPrivacy?: DifferentialPrivacy;
  /** Share of aggregators and backups failing per second, at uniform times (as in the paper). */
  failureRate?: number;
  /** 'roles' (default): aggregators and backups fail, over the querier's deadline; 'everyone': every node in the query but the querier, each at a uniform time over [0, 1/rate] (the paper's simulator). */
  failing?: 'roles' | 'everyone';
  /** `fanout` contributors per leaf, taken apart from the aggregators, backups and querier (the paper's tree), instead of zones by hash. */
  exactZones?: boolean;
  /** Explicit failures, on top of the drawn ones. */
  failures?: Array<{ webId: WebId; at: number }>;
  /** A contributor's value (default: uniform integer in 0..100). */
  value?: (i: number, draw: () => number) => number;
  /** A contributor's rows, for aggregates over other variables (default: one row { x: its value }). */
  rows?: (i: number) => Row[];
  onAction?: SimOptions['onAction'];
}

export interface Scenario {
  sim: Simulation;
  query: AggregationQuery;
  population: WebId[];
  /** Each contributor's value (members whose transport answers 'contribute'). */
  values: Map<WebId, number>;
  failures: Array<{ webId: WebId; at: number }>;
  /** Members in a zone whose selection matches: every contributor the plan counts on. */
  planned: number;
  keys: Map<WebId, AgentKeys>;
  /** A node's full run context, on the simulator's clock. */
  context(webId: WebId): RunContext;
}

const DEFAULT_AGGREGATES: AggregateSpec[] = [
  { id: 'urn:podagg:sim:count', kind: 'Count', unit: 'people' },
  { id: 'urn:podagg:sim:sum', kind: 'Sum', variable: 'x', lower: 0, upper: 100, precision: 0, unit: 'people' },
];

export const simWebId = (i: number): WebId => `urn:podagg:sim:agent:${i}`;

export function buildScenario(o: ScenarioOptions): Scenario {
  const draw = uniform(o.seed);
  const population = Array.from({ length: o.population }, (_, i) => simWebId(i));
  const querier = population[0];
  const query: AggregationQuery = {
    id: `urn:podagg:sim:query:${o.seed}`,
    title: 'simulated query',
    querier,
    population: 'urn:podagg:sim:population',
    selection: 'SELECT ?x WHERE { ?s ?p ?x }',
    aggregates: o.aggregates ?? DEFAULT_AGGREGATES,
    purposes: [],
    minContributors: o.minContributors ?? 1,
    deadline: new Date(0).toISOString(),
    expectedSelectivity: o.selectivity,
    hideParticipation: o.differentialPrivacy !== undefined,
    validated: false,
    nonce: o.seed.toString(16).padStart(16, '0'),
    ...(o.differentialPrivacy ? { differentialPrivacy: o.differentialPrivacy } : {}),
  };
  const built = buildPlan({ id: `${query.id}:plan`, query: query.id, nonce: query.nonce ?? '', population, params: o.params });
  const plan = o.exactZones ? withExactZones(built, querier) : built;
  const keys = new Map<WebId, AgentKeys>();
  const directory = new Map<WebId, Registration>();
  const dummy = new Uint8Array(32);
  const dummyKeys: AgentKeys = { x25519: { secretKey: dummy, publicKey: dummy }, ed25519: { secretKey: dummy, publicKey: dummy } };
  population.forEach((w, i) => {
    const k = o.crypto === 'real' ? generateKeys(seededRandom(`${o.seed}/keys/${i}`)) : dummyKeys;
    keys.set(w, k);
    directory.set(w, { webId: w, inbox: `${w}/inbox`, x25519: k.x25519.publicKey, ed25519: k.ed25519.publicKey });
  });
  const values = new Map<WebId, number>();
  const value = o.value ?? ((_i: number, d: () => number) => Math.floor(d() * 101));
  population.forEach((w, i) => {
    if (draw() < o.selectivity) values.set(w, value(i, draw));
  });
  const failures = [...(o.failures ?? [])];
  if (o.failureRate && o.failing === 'everyone') {
    const inQuery = new Set([...plan.groups.flatMap((g) => g.members), ...plan.backups, ...Object.keys(plan.zones)]);
    inQuery.delete(querier);
    for (const w of [...inQuery].sort()) failures.push({ webId: w, at: (1000 * draw()) / o.failureRate });
  } else if (o.failureRate) {
    const horizon = querierAfterMs(o.params);
    const roles = new Set([...plan.groups.flatMap((g) => g.members), ...plan.backups]);
    roles.delete(querier);
    for (const w of [...roles].sort()) {
      const at = draw() * horizon;
      if (draw() < (o.failureRate * horizon) / 1000) failures.push({ webId: w, at });
    }
  }
  const layout = layoutOf({ query, plan });
  const index = new Map(population.map((w, i) => [w, i]));
  const rowsOf = (w: WebId, v: number): Row[] => (o.rows ? o.rows(index.get(w) ?? -1) : [{ x: v }]);
  const context = (w: WebId) => ({ self: w, keys: keys.get(w) ?? dummyKeys, directory, query, plan, random: lazyRandom(o.seed, w) });
  const crypto = o.crypto === 'real' ? realCrypto : plainCrypto;
  const sim = new Simulation({
    plan,
    context,
    evaluate: (w): Event => {
      const v = values.get(w);
      if (v === undefined) return { type: 'decline', reason: 'the selection matched nothing' };
      return { type: 'contribute', vector: encodeRows(layout, rowsOf(w, v)), consent: `${w}#consent` };
    },
    crypto,
    model: o.model,
    draw,
    onAction: o.onAction,
  });
  for (const f of failures) sim.failAt(f.webId, f.at);
  const planned = Object.keys(plan.zones).filter((w) => values.has(w)).length;
  return { sim, query, population, values, failures, planned, keys, context: (w) => ({ ...context(w), now: () => sim.clock, crypto }) };
}

/** The plan with `fanout` members per leaf zone, taken in population order from those holding no role. */
function withExactZones(plan: AggregationPlan, querier: WebId): AggregationPlan {
  const roles = new Set([querier, ...plan.groups.flatMap((g) => g.members), ...plan.backups]);
  const parents = new Set(plan.groups.map((g) => g.parent));
  const leaves = plan.groups.filter((g) => !parents.has(g.id));
  const free = Object.keys(plan.zones).filter((w) => !roles.has(w)).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const fanout = plan.params.fanout;
  if (free.length < leaves.length * fanout) throw new Error(`${free.length} members without a role, ${leaves.length * fanout} needed for ${fanout} per leaf`);
  const zones: Record<WebId, string> = {};
  leaves.forEach((leaf, i) => {
    for (const w of free.slice(i * fanout, (i + 1) * fanout)) zones[w] = leaf.id;
  });
  return { ...plan, zones };
}

/** Constant latency, no bandwidth limit, free crypto: for correctness tests. */
export function idealModel(latencyMs = 5): CostModel {
  return {
    latencyMs: () => latencyMs,
    bandwidthBytesPerMs: Infinity,
    cryptoMs: 0,
    signMs: 0,
    detectMs: latencyMs,
    evaluateMs: 0,
    messageBytes: (m) => 200 + ('sealed' in m && m.sealed ? m.sealed.length : 0),
  };
}

/** The seeded stream, made on first use: most members of a large population draw nothing. */
function lazyRandom(seed: number, w: WebId): RandomSource {
  let stream: RandomSource | null = null;
  return (n) => (stream ??= seededRandom(`${seed}/run/${w}`))(n);
}
