// The trainers and their updates, pure: naive Bayes counts, SGD that no row order changes,
// the FedAvg block, evaluation counts, and the typed-array path from an update to shares
// and back through the querier's decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationSpec, LogisticRegressionTrainer, NaiveBayesTrainer, TrainingSpec } from '../query-vocab/types.ts';
import { compileLayout, decode, encodeRows, type Row } from '../agent/core/encoding.ts';
import { ProtocolError } from '../agent/core/errors.ts';
import { trainLogistic } from '../agent/core/logistic-regression.ts';
import { evaluationCounts, fedAvgBlock, modelShape, predict, trainingUpdate } from '../agent/core/model-update.ts';
import { seededRandom } from '../agent/core/random.ts';
import { addInto, zeros } from '../agent/core/ring.ts';
import { samplesOf, tokenize } from '../agent/core/samples.ts';
import { combineAdditive, splitAdditive } from '../agent/core/shares.ts';
import { uniform } from '../agent/sim/rng.ts';

const nb: NaiveBayesTrainer = { kind: 'NaiveBayes', label: 'y', classes: ['food', 'rent'], input: { kind: 'tokens', variable: 'text', vocabulary: ['tesco', 'rent', 'card'] } };
const lr: LogisticRegressionTrainer = {
  kind: 'LogisticRegression', label: 'y', classes: ['a', 'b', 'c'], input: { kind: 'features', variables: ['x1', 'x2'] },
  epochs: 3, learningRate: 0.5, batchSize: 4, lower: -20, upper: 20, precision: 6,
};
const nbSpec: TrainingSpec = { id: 'https://q.example/q#nb', kind: 'Training', unit: 'rows', maxRows: 100, trainer: nb };
const lrSpec: TrainingSpec = { id: 'https://q.example/q#lr', kind: 'Training', unit: 'rows', maxRows: 100, trainer: lr, model: 'https://q.example/m0' };
const evalSpec: EvaluationSpec = { id: 'https://q.example/q#ev', kind: 'Evaluation', unit: 'rows', maxRows: 100, trainer: lr, model: 'https://q.example/m1' };

/** Three Gaussian-ish blobs from a seeded generator. */
function blobs(seed: number, n: number): Row[] {
  const u = uniform(seed);
  const centres = [[-2, 0], [2, 0], [0, 2.5]];
  return Array.from({ length: n }, () => {
    const c = Math.floor(u() * 3);
    return { x1: centres[c][0] + (u() + u() - 1) * 1.5, x2: centres[c][1] + (u() + u() - 1) * 1.5, y: lr.classes[c] };
  });
}

test('a text becomes lower-case tokens of letters and digits', () => {
  assert.deepEqual(tokenize('CARD 4411 TESCO-Metro, Lyon/Part-Dieu café'), ['card', '4411', 'tesco', 'metro', 'lyon', 'part', 'dieu', 'café']);
});

test('naive Bayes counts rows and tokens per class, each token once per row; undeclared classes and tokens are ignored', () => {
  const rows: Row[] = [
    { text: 'CARD TESCO tesco', y: 'food' },
    { text: 'card tesco metro', y: 'food' },
    { text: 'SEPA rent', y: 'rent' },
    { text: 'card tesco', y: 'leisure' },
    { text: 7, y: 'food' },
  ];
  const { block, samples } = trainingUpdate(nbSpec, null, rows);
  assert.equal(samples, 3);
  assert.deepEqual([...block], [2, 2, 0, 2, 1, 0, 1, 0]);
  assert.deepEqual(modelShape(nb), [2, 4]);
  const p = predict(nb, block, samplesOf(nb, [{ text: 'tesco', y: 'food' }], 10)[0]);
  assert.ok(p[0] > 0.5 && Math.abs(p[0] + p[1] - 1) < 1e-12);
});

test('samples come in an order fixed by their content: SGD gives the same weights whatever order the rows came in', () => {
  const rows = blobs(1, 60);
  const reversed = [...rows].reverse();
  const start = new Float64Array(3 * 3);
  const [d] = [2];
  const a = trainLogistic(lr, start, samplesOf(lr, rows, 100), d);
  const b = trainLogistic(lr, start, samplesOf(lr, reversed, 100), d);
  assert.deepEqual(a, b);
  assert.deepEqual(start, new Float64Array(9), 'the start model is not modified');
  assert.deepEqual(samplesOf(lr, rows, 10).map((s) => s.key), samplesOf(lr, reversed, 10).map((s) => s.key));
});

test('SGD learns separable blobs', () => {
  const model = trainingUpdate({ ...lrSpec, trainer: { ...lr, epochs: 10 } }, new Float64Array(9), blobs(2, 200));
  const n = model.samples;
  const weights = Float64Array.from(model.block.subarray(0, 9), (x) => x / (n * 1e6));
  const { block } = evaluationCounts(evalSpec, weights, blobs(3, 200));
  assert.ok(block[0] / block[1] > 0.85, `accuracy ${block[0] / block[1]}`);
  assert.equal(block[1], 100, 'maxRows caps the rows scored');
  assert.ok(block[2] > 0 && Number.isInteger(block[2]));
});

test('the FedAvg block is each weight clipped, in fixed point, times the sample count, then the count', () => {
  assert.deepEqual([...fedAvgBlock(lr, Float64Array.of(0.1234567, -25, 21, 0), 3)], [3 * 123457, -3 * 20e6, 3 * 20e6, 0, 3]);
});

test('updates go from typed arrays to shares and back: the querier decodes the FedAvg weights and the exact counts', () => {
  const parties = [blobs(4, 30), blobs(5, 50), blobs(6, 20)];
  const nbRows = parties.map((rows) => rows.map((r) => ({ text: r.y === 'a' ? 'tesco card' : 'sepa rent card', y: r.y === 'a' ? 'food' : 'rent' })));
  const layout = compileLayout([nbSpec, lrSpec, evalSpec], 100, 'z64');
  const model = Float64Array.from({ length: 9 }, (_, i) => (i - 4) / 10);
  const sums = [zeros(layout.length), zeros(layout.length), zeros(layout.length)];
  const expected = { counts: new Float64Array(8), weighted: new Float64Array(9), n: 0, correct: 0, rows: 0 };
  parties.forEach((rows, i) => {
    const nbUpdate = trainingUpdate(nbSpec, null, nbRows[i]);
    const lrUpdate = trainingUpdate(lrSpec, model, rows);
    const ev = evaluationCounts(evalSpec, model, rows);
    const vector = encodeRows(layout, rows, new Map([[nbSpec.id, nbUpdate.block], [lrSpec.id, lrUpdate.block], [evalSpec.id, ev.block]]));
    splitAdditive(vector, 3, seededRandom(i)).forEach((share, k) => addInto(sums[k], share, 'z64'));
    nbUpdate.block.forEach((x, j) => (expected.counts[j] += x));
    lrUpdate.block.subarray(0, 9).forEach((x, j) => (expected.weighted[j] += x));
    expected.n += lrUpdate.samples;
    expected.correct += ev.block[0];
    expected.rows += ev.block[1];
  });
  const [counts, weights, evaluation] = decode(layout, combineAdditive(sums));
  assert.deepEqual(counts.value, { kind: 'vector', values: [...expected.counts] });
  assert.deepEqual(weights.value, { kind: 'vector', values: [...expected.weighted].map((x) => x / (expected.n * 1e6)) });
  assert.ok(evaluation.value.kind === 'vector');
  assert.deepEqual(evaluation.value.values.slice(0, 2), [expected.correct, expected.rows]);
});

test('a computed block must be given, of the layout width; the ring bounds the weights', () => {
  const layout = compileLayout([lrSpec], 10, 'z64');
  const refused = (f: () => unknown, code: string, message: RegExp) => assert.throws(f, (e) => e instanceof ProtocolError && e.code === code && message.test(e.message));
  refused(() => encodeRows(layout, []), 'bad-input', /computed by the agent, and none was given/);
  refused(() => encodeRows(layout, [], new Map([[lrSpec.id, new Float64Array(3)]])), 'bad-input', /computed block has 3 elements, the layout 10/);
  refused(() => encodeRows(layout, [], new Map([[lrSpec.id, new Float64Array(10).fill(0.5)]])), 'bad-input', /not an integer/);
  refused(() => compileLayout([{ ...lrSpec, trainer: { ...lr, upper: 1e6, lower: -1e6, precision: 9 } }], 10_000, 'z64'), 'overflow', /weight bounds/);
});

test('a 100 000-parameter update is encoded straight from its typed array', () => {
  const big: LogisticRegressionTrainer = { ...lr, classes: ['a', 'b', 'c', 'd'], input: { kind: 'features', variables: Array.from({ length: 24_999 }, (_, i) => `x${i}`) } };
  const spec: TrainingSpec = { ...lrSpec, trainer: big };
  const layout = compileLayout([spec], 1000, 'z64');
  assert.equal(layout.length, 100_001);
  const block = fedAvgBlock(big, Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i)), 7);
  const vector = encodeRows(layout, [], new Map([[spec.id, block]]));
  const [value] = decode(layout, vector);
  assert.ok(value.value.kind === 'vector');
  assert.equal(value.value.values.length, 100_000);
  assert.ok(Math.abs(value.value.values[1] - Math.sin(1)) < 1e-6);
});
