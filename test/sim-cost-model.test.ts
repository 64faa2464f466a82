// The simulator's cost models: the authors' (dissec2023) reduces to the latency-only model
// when its compute, crypto and bandwidth are zero; a one-contributor run costs exactly the
// sum of its terms; and the two completeness figures differ where they should.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StrategyName, WebId } from '../query-vocab/types.ts';
import { proposePlan } from '../agent/core/planner.ts';
import { COST_PRESETS } from '../agent/sim/cost-presets.ts';
import { completenessOf, runExperiment, type ExperimentConfig } from '../agent/sim/experiment.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';

const shape = { depth: 3, fanout: 4, groupSize: 3, vectorSize: 64, selectivity: 1, failureRate: 0, seed: 2, crypto: 'plain' } as const;
const STRATEGIES: StrategyName[] = ['LowCost', 'HighCompleteness', 'SafeAndPrompt', 'Hybrid', 'Threshold'];

test('the dissec2023 preset with compute, crypto and bandwidth zero gives the latency-only model\'s latency', () => {
  for (const strategy of STRATEGIES) {
    const free = runExperiment({ ...COST_PRESETS.dissec2023, ...shape, strategy, computeMsPerElement: 0, elementsPerMs: undefined, evaluateMs: 0 });
    const latencyOnly = runExperiment({ ...COST_PRESETS.podagg, ...shape, strategy, cryptoMs: 0 });
    assert.equal(free.result, 1, strategy);
    assert.equal(latencyOnly.result, 1, strategy);
    // Within the AES-GCM term both keep (3e-5 ms per operation): zones of exactly fanout members open other counts of shares.
    assert.ok(Math.abs(free.latencyMs - latencyOnly.latencyMs) < 0.01, `${strategy}: ${free.latencyMs} ms against ${latencyOnly.latencyMs} ms`);
    const costly = runExperiment({ ...COST_PRESETS.dissec2023, ...shape, strategy });
    assert.ok(costly.latencyMs > free.latencyMs + 100, `${strategy}: the costs add time (${costly.latencyMs} ms)`);
  }
});

test('one contributor, one leaf: the latency is the sum of its terms', () => {
  const m = 1024;
  const k = 2;
  const cfg: ExperimentConfig = { ...COST_PRESETS.dissec2023, depth: 1, fanout: 1, groupSize: k, vectorSize: m, selectivity: 1, failureRate: 0, seed: 1, crypto: 'plain', strategy: 'LowCost' };
  const row = runExperiment(cfg);
  assert.equal(row.result, 1);
  assert.equal(row.contributors, 1);
  const lat = 33;
  const perElement = COST_PRESETS.dissec2023.computeMsPerElement;
  const receive = perElement * m; // 51.2 ms per share or aggregate received
  const transmit = (m - 1) / COST_PRESETS.dissec2023.elementsPerMs; // 170.5 ms per vector message
  const aead = (m * 8) / 1.7e6; // AES-GCM over the vector, per seal or open (experiment.ts)
  const expected =
    lat + // the announcement reaches the contributor
    COST_PRESETS.dissec2023.evaluateMs + // its request crypto
    2 * k * m * perElement + k * aead + // its share generation, k seals
    k * transmit + lat + // its k shares, one after another, the last one's flight
    receive + 2 * aead + // the last leaf member opens it, sums and seals
    transmit + lat + // its partial to the querier
    receive + aead; // which opens the last partial and publishes
  assert.ok(Math.abs(row.latencyMs - expected) < 1e-6, `${row.latencyMs} ms, expected ${expected} ms`);
});

test('a contributor killed before sending is lost for the paper\'s completeness, not for ours', () => {
  const params = proposePlan({
    population: 30, selectivity: 1, latencyMs: 5, cryptoMs: 0, vectorLength: 2, failureRate: 0, minGroupSize: 3,
    fixed: { depth: 2, fanout: 2, groupSize: 3, strategy: 'SafeAndPrompt', threshold: 3 },
  }).params;
  const options = { population: 30, selectivity: 1, params, seed: 4, crypto: 'plain' as const, model: idealModel(), exactZones: true };
  const probe = buildScenario(options);
  const zoned = Object.keys(probe.context(probe.query.querier).plan.zones) as WebId[];
  assert.equal(zoned.length, 4, 'fanout contributors per leaf, 2 leaves');
  assert.equal(probe.planned, 4);
  const s = buildScenario({ ...options, failures: [{ webId: zoned[0], at: 0 }] });
  s.sim.start();
  const outcome = s.sim.run();
  assert.equal(outcome?.type, 'publish');
  assert.equal(s.sim.contributors, 3, 'the dead one never sent');
  const c = completenessOf(s, outcome);
  assert.equal(c.completeness, 1, 'ours: every member that sent is included');
  assert.equal(c.plannedCompleteness, 3 / 4, 'the paper\'s: one planned contributor of four is missing');
});

test('HighCompleteness under the paper\'s model at depth 4 keeps what the paper keeps at 0.25 %/s (99.1 %), and more at 0.5 %/s', () => {
  // Seed 1 at 0.25 %/s gave 74.8 %: corrections sent on every change flooded the upper
  // levels (51.2 ms to open each), whose positions then never agreed on a child's version.
  // Seed 4 at 0.5 %/s gave no result: with confirmations held back with the corrections,
  // the positions summed on each other's stale confirmations and dropped the child that
  // had just changed, one position a round behind the others (issue 13).
  const run = (failureRate: number, seed: number) =>
    runExperiment({ ...COST_PRESETS.dissec2023, depth: 4, fanout: 8, groupSize: 5, vectorSize: 1024, selectivity: 1, failureRate, seed, crypto: 'plain', strategy: 'HighCompleteness' });
  for (const [rate, seed] of [[0.0025, 1], [0.005, 4]]) {
    const row = run(rate, seed);
    assert.equal(row.result, 1, `${rate * 100} %/s, seed ${seed}`);
    assert.ok(row.plannedCompleteness >= 0.99, `${rate * 100} %/s, seed ${seed}: ${(100 * row.plannedCompleteness).toFixed(1)} %`);
  }
});
