// The sensitivity of each statistic, derived from what the query declares (bounds,
// precision, unit, pa:maxRows, bins, group-by keys); the calibration that splits ε over the
// statistics (Laplace: t = Δ1·P/ε; Gaussian: σ = Δ2·√(P/2ρ), ρ from CKS20's conversion);
// the problems `query check` reports; the planner's refusal of strategies that re-release.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregateSpec, AggregationQuery } from '../query-vocab/types.ts';
import { releaseProblems } from '../agent/core/dp-release.ts';
import { compileLayout } from '../agent/core/encoding.ts';
import { calibrate, rhoFor, zcdpDelta } from '../agent/core/noise-scale.ts';
import { proposePlan } from '../agent/core/planner.ts';
import { partsOf } from '../agent/core/sensitivity.ts';

const parts = (spec: AggregateSpec) => partsOf(compileLayout([spec], 100, 'z64')).map((p) => [p.name, p.l1, Number(p.l2.toFixed(6)), p.indices]);
const id = 'urn:test:a';

test('each kind moves by what its bounds, precision, unit and maxRows allow, on the elements it owns', () => {
  assert.deepEqual(parts({ id, kind: 'Count', unit: 'people' }), [['count', 1, 1, [0]]]);
  assert.deepEqual(parts({ id, kind: 'Count', unit: 'rows', maxRows: 5 }), [['count', 5, 5, [0]]]);
  // e ∈ [−100, 200] at precision 1; one person adds nothing or one value: a range of 300.
  assert.deepEqual(parts({ id, kind: 'Sum', variable: 'x', lower: -10, upper: 20, precision: 1, unit: 'people' }), [['sum', 300, 300, [0]]]);
  assert.deepEqual(parts({ id, kind: 'Sum', variable: 'x', lower: -10, upper: 20, precision: 1, unit: 'rows', maxRows: 3 }), [['sum', 900, 900, [0]]]);
  assert.deepEqual(parts({ id, kind: 'Mean', variable: 'x', lower: 0, upper: 50_000, unit: 'people' }), [['sum', 50_000, 50_000, [0]], ['count', 1, 1, [1]]]);
  assert.deepEqual(parts({ id, kind: 'Variance', variable: 'x', lower: 0, upper: 10, unit: 'people' }), [['sum', 10, 10, [0]], ['squares', 100, 100, [1]], ['count', 1, 1, [2]]]);
  const bins = [{ lower: 0, upper: 1 }, { lower: 1, upper: 2 }, { lower: 2, upper: 3 }, { lower: 3, upper: 4 }];
  // Moving one person's rows from one bin to another changes two bins.
  assert.deepEqual(parts({ id, kind: 'Histogram', variable: 'x', bins, unit: 'people' }), [['count', 2, Number(Math.SQRT2.toFixed(6)), [0, 1, 2, 3]]]);
  assert.deepEqual(parts({ id, kind: 'Histogram', variable: 'x', bins: bins.slice(0, 1), unit: 'rows', maxRows: 3 }), [['count', 3, 3, [0]]]);
  assert.deepEqual(parts({ id, kind: 'VectorSum', variables: ['a', 'b', 'c'], lower: -1, upper: 1, precision: 2, unit: 'people' }), [
    ['sum', 600, Number((Math.sqrt(3) * 200).toFixed(6)), [0, 1, 2]],
    ['count', 1, 1, [3]],
  ]);
  // A person's rows may fall under every key: four keys, four times the L1, twice the L2.
  assert.deepEqual(parts({ id, kind: 'Mean', variable: 'x', lower: 0, upper: 10, unit: 'people', groupBy: { variable: 'k', keys: ['a', 'b', 'c', 'd'] } }), [
    ['sum', 40, 20, [0, 2, 4, 6]],
    ['count', 4, 2, [1, 3, 5, 7]],
  ]);
});

test('a model update has no derived sensitivity', () => {
  const training: AggregateSpec = { id, kind: 'Training', unit: 'rows', maxRows: 10, trainer: { kind: 'NaiveBayes', label: 'c', classes: ['a', 'b'], input: { kind: 'tokens', variable: 't', vocabulary: ['x'] } } };
  assert.throws(() => partsOf(compileLayout([training], 10, 'z64')), /sensitivity of a model update .* is not derived/);
});

test('ρ is the largest zCDP that CKS20 converts to (ε, δ), tighter than ρ + 2√(ρ ln 1/δ)', () => {
  for (const [epsilon, delta] of [[0.1, 1e-6], [1, 1e-6], [1, 1e-9], [10, 1e-5]]) {
    const rho = rhoFor(epsilon, delta);
    const at = zcdpDelta(rho, epsilon);
    assert.ok(at <= delta && at > 0.999 * delta, `δ ${at} at ρ ${rho}`);
    assert.ok(zcdpDelta(rho * 1.01, epsilon) > delta);
    assert.ok(rho + 2 * Math.sqrt(rho * Math.log(1 / delta)) > epsilon);
  }
});

test('ε is split equally over the statistics that move, each noised in proportion to its sensitivity, rounded up to 1/1024', () => {
  const spec: AggregateSpec = { id, kind: 'Mean', variable: 'x', lower: 0, upper: 100, unit: 'people' };
  const still: AggregateSpec = { id: 'urn:test:still', kind: 'Sum', variable: 'x', lower: 0, upper: 0, unit: 'people' };
  const all = partsOf(compileLayout([spec, still], 100, 'z64'));
  const laplace = calibrate({ mechanism: 'DiscreteLaplace', epsilon: 0.5, clampNegativeCounts: false }, all);
  assert.deepEqual(laplace.map((p) => p.scale), [400, 4, 0]);
  assert.deepEqual(laplace.map((p) => p.rational && `${p.rational.n}/${p.rational.d}`), ['409600/1024', '4096/1024', null]);
  const gaussian = calibrate({ mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: false }, all);
  const sigma = Math.sqrt(2 / (2 * rhoFor(1, 1e-6)));
  assert.ok(gaussian[1].scale >= sigma && gaussian[1].scale - sigma < 1e-3, `σ ${gaussian[1].scale} for ${sigma}`);
  assert.ok(Math.abs(gaussian[0].scale / gaussian[1].scale - 100) < 1e-2);
  const huge: AggregateSpec = { id, kind: 'Variance', variable: 'x', lower: 0, upper: 1e7, unit: 'people' };
  assert.throws(() => calibrate({ mechanism: 'DiscreteLaplace', epsilon: 0.01, clampNegativeCounts: false }, partsOf(compileLayout([huge], 10, 'z64'))), /its squares would need noise of scale .* above 2\^40/);
});

const query = (o: Partial<AggregationQuery>): AggregationQuery => ({
  id: 'urn:test:q', title: 't', querier: 'urn:test:querier', population: 'urn:test:population', selection: 'SELECT ?x WHERE { ?s ?p ?x }',
  aggregates: [{ id, kind: 'Count', unit: 'people' }], purposes: ['urn:test:purpose'], minContributors: 5, deadline: new Date(0).toISOString(),
  expectedSelectivity: 1, hideParticipation: true, validated: false, differentialPrivacy: { mechanism: 'DiscreteLaplace', epsilon: 1, clampNegativeCounts: false }, ...o,
});

test('query check explains a differentially private query that cannot be released, naming node and property', () => {
  assert.deepEqual(releaseProblems(query({})), []);
  assert.deepEqual(releaseProblems(query({ differentialPrivacy: undefined, fixedParams: { strategy: 'Hybrid' } })), []);
  assert.match(releaseProblems(query({ fixedParams: { strategy: 'HighCompleteness' } }))[0], /^<urn:test:q> pa:fixedParams: strategy HighCompleteness lets a root position re-send/);
  assert.match(releaseProblems(query({ fixedParams: { strategy: 'Threshold' } }))[0], /^<urn:test:q> pa:fixedParams: strategy Threshold combines the root's Shamir shares with Lagrange coefficients/);
  const training: AggregateSpec = { id: 'urn:test:q#model', kind: 'Evaluation', unit: 'rows', maxRows: 10, model: 'urn:test:m', trainer: { kind: 'NaiveBayes', label: 'c', classes: ['a', 'b'], input: { kind: 'tokens', variable: 't', vocabulary: ['x'] } } };
  assert.match(releaseProblems(query({ aggregates: [training] }))[0], /^<urn:test:q#model> rdf:type: the sensitivity of a model update/);
  const wide: AggregateSpec = { id, kind: 'Sum', variable: 'x', lower: 0, upper: 1e12, precision: 3, unit: 'people' };
  assert.match(releaseProblems(query({ aggregates: [wide] }))[0], /^<urn:test:q>\/dpv:hasTechnicalMeasure pa:epsilon: aggregate urn:test:a: its sum would need noise of scale/);
});

test('the planner picks only strategies whose root positions release once, and refuses a fixed one that would not', () => {
  const situation = { population: 500, selectivity: 0.5, latencyMs: 20, cryptoMs: 1, vectorLength: 4, failureRate: 0.002, differentialPrivacy: true };
  for (const failureRate of [0, 0.002, 0.02]) {
    assert.ok(['LowCost', 'SafeAndPrompt'].includes(proposePlan({ ...situation, failureRate }).params.strategy));
  }
  assert.equal(proposePlan({ ...situation, differentialPrivacy: false, failureRate: 0.02 }).params.strategy === 'LowCost', false);
  assert.throws(() => proposePlan({ ...situation, fixed: { strategy: 'Hybrid' } }), /strategy Hybrid lets a root position re-send corrected sums/);
});
