// Validated contributions (issue 14): a layout's circuits, Prio3 sharding, preparation and
// decoding back to the z64 layout vector; cheats refused by every member alike; the f128
// ring; the verify key.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AggregateSpec, NaiveBayesTrainer } from '../query-vocab/types.ts';
import { compileLayout, encodeRows, type Row } from '../agent/core/encoding.ts';
import { validationOf, type Circuit, type Validation } from '../agent/core/circuits.ts';
import { ProtocolError } from '../agent/core/errors.ts';
import {
  circuitSizes, fieldSumToLayout, finishPreparation, payloadsOf, prepareShare, shardContribution, shardMeasurement, type Verdict,
} from '../agent/core/prio3.ts';
import { seededRandom, type RandomSource } from '../agent/core/random.ts';
import { P128, addInto, assertInRing, f128FromBigints, f128ToBigints, subInto, toSigned, zeros } from '../agent/core/ring.ts';
import { verifyKey } from '../agent/core/verify-key.ts';

const badInput = (pattern: RegExp) => (e: unknown) => e instanceof ProtocolError && e.code === 'bad-input' && pattern.test(e.message);
const show = (cs: Circuit[]) => cs.map((c) => (c.kind === 'Count' ? 'Count' : c.kind === 'Histogram' ? `Histogram(${c.length})` : c.kind === 'Sum' ? `Sum(${c.bits})` : `SumVec(${c.lower.length}, ${c.bits})`));

// ---- f128 ring ------------------------------------------------------------------------------

const f128 = fc.oneof(fc.constantFrom(0n, 1n, P128 - 1n, P128 - 2n, P128 / 2n, (1n << 64n) - 1n, 1n << 64n, (1n << 96n) + 5n, P128 - (1n << 64n)), fc.bigInt({ min: 0n, max: P128 - 1n }));

test('f128 add and sub agree with BigInt arithmetic mod p, wrapping at p', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(f128, f128), { minLength: 1, maxLength: 30 }), (pairs) => {
      const a = f128FromBigints(pairs.map((p) => p[0]));
      const b = f128FromBigints(pairs.map((p) => p[1]));
      const sum = a.slice();
      addInto(sum, b, 'f128');
      const diff = a.slice();
      subInto(diff, b, 'f128');
      assert.deepEqual(f128ToBigints(sum), pairs.map(([x, y]) => (x + y) % P128));
      assert.deepEqual(f128ToBigints(diff), pairs.map(([x, y]) => (((x - y) % P128) + P128) % P128));
    }),
  );
  const top = f128FromBigints([P128 - 1n]);
  addInto(top, f128FromBigints([1n]), 'f128');
  assert.deepEqual(f128ToBigints(top), [0n]);
  assert.deepEqual(toSigned(f128FromBigints([P128 - 3n, 3n]), 'f128'), [-3n, 3n]);
});

test('f128 refuses elements at or above p and half elements', () => {
  assertInRing(f128FromBigints([P128 - 1n, 0n]), 'f128');
  for (const x of [P128, P128 + 1n, (1n << 128n) - 1n, P128 + (1n << 64n)]) {
    const v = zeros(2);
    v[0] = BigInt.asUintN(64, x);
    v[1] = x >> 64n;
    assert.throws(() => assertInRing(v, 'f128'), badInput(/outside Field128/));
    assert.throws(() => addInto(zeros(2), v, 'f128'), badInput(/outside Field128/));
  }
  assert.throws(() => assertInRing(zeros(3), 'f128'), badInput(/even number/));
});

// ---- circuits -------------------------------------------------------------------------------

const T = 'urn:t:';
const people = { unit: 'people' } as const;
const groupBy = { variable: 'g', keys: ['a', 'b', 'c'] };
const SPECS: AggregateSpec[] = [
  { id: `${T}count-people`, kind: 'Count', ...people },
  { id: `${T}count-rows`, kind: 'Count', unit: 'rows', maxRows: 50 },
  { id: `${T}sum-32`, kind: 'Sum', variable: 'big', lower: -(2 ** 31), upper: 2 ** 31, ...people },
  { id: `${T}mean`, kind: 'Mean', variable: 'x', lower: -100, upper: 100, precision: 2, ...people },
  { id: `${T}variance-rows`, kind: 'Variance', variable: 'x', lower: 0, upper: 1000, unit: 'rows', maxRows: 5 },
  { id: `${T}hist-10`, kind: 'Histogram', variable: 'x', bins: Array.from({ length: 10 }, (_, i) => ({ lower: 10 * i, upper: 10 * i + 10 })), ...people },
  { id: `${T}hist-100`, kind: 'Histogram', variable: 'x', bins: Array.from({ length: 100 }, (_, i) => ({ lower: i, upper: i + 1 })), ...people },
  { id: `${T}vector-16`, kind: 'VectorSum', variables: ['v0', 'v1', 'v2', 'v3'], lower: -3, upper: 3, precision: 4, ...people },
  { id: `${T}vector-31`, kind: 'VectorSum', variables: ['v0', 'v1', 'v2'], lower: -1e6, upper: 1e6, unit: 'rows', maxRows: 1000 },
  { id: `${T}vector-33`, kind: 'VectorSum', variables: ['w0', 'w1'], lower: -3e9, upper: 3e9, ...people },
  { id: `${T}grouped-sum`, kind: 'Sum', variable: 'x', lower: 0, upper: 10, groupBy, ...people },
  { id: `${T}grouped-count`, kind: 'Count', groupBy, ...people },
  { id: `${T}grouped-hist`, kind: 'Histogram', variable: 'x', bins: [{ lower: 0, upper: 50 }, { lower: 50, upper: 100 }], groupBy, ...people },
];
const LAYOUT = compileLayout(SPECS, 100, 'z64');
const V = validationOf(LAYOUT);

test('each aggregate maps to the circuits its encoded ranges call for', () => {
  const byAggregate = (id: string) => show(V.circuits.filter((c) => c.aggregate === `${T}${id}`));
  assert.deepEqual(byAggregate('count-people'), ['Count']);
  assert.deepEqual(byAggregate('count-rows'), ['Sum(6)']); // [0, 50]
  assert.deepEqual(byAggregate('sum-32'), ['Sum(33)']); // [−2^31, 2^31]
  assert.deepEqual(byAggregate('mean'), ['Sum(15)', 'Sum(1)']); // [−10^4, 10^4], n ∈ {0, 1}
  assert.deepEqual(byAggregate('variance-rows'), ['Sum(13)', 'Sum(23)', 'Sum(3)']); // 5·1000, 5·1000², 5
  assert.deepEqual(byAggregate('hist-10'), ['Histogram(10)']);
  assert.deepEqual(byAggregate('hist-100'), ['Histogram(100)']);
  assert.deepEqual(byAggregate('vector-16'), ['SumVec(4, 16)', 'Sum(1)']);
  assert.deepEqual(byAggregate('vector-31'), ['SumVec(3, 31)', 'Sum(10)']); // ±10^9 per element: SumVec's last width
  assert.deepEqual(byAggregate('vector-33'), ['Sum(33)', 'Sum(33)', 'Sum(1)']); // above 31 bits, one Sum each
  assert.deepEqual(byAggregate('grouped-sum'), ['SumVec(3, 4)']);
  assert.deepEqual(byAggregate('grouped-count'), ['SumVec(3, 1)']);
  assert.deepEqual(byAggregate('grouped-hist'), ['Histogram(2)', 'Histogram(2)', 'Histogram(2)']); // one-hot per key
  // In order, every element once; the output adds one "in no bin" element per histogram.
  let next = 0;
  for (const c of V.circuits) {
    assert.equal(c.offset, next);
    next += c.kind === 'Histogram' ? c.length : c.kind === 'SumVec' ? c.lower.length : 1;
  }
  assert.equal(next, LAYOUT.length);
  assert.equal(V.fieldLength, LAYOUT.length + V.circuits.filter((c) => c.kind === 'Histogram').length);
  const sum = V.circuits.find((c) => c.aggregate === `${T}sum-32`);
  assert.equal(sum?.kind === 'Sum' && sum.lower, -(2n ** 31n));
});

test('training and evaluation aggregates cannot be validated', () => {
  const trainer: NaiveBayesTrainer = { kind: 'NaiveBayes', label: 'y', classes: ['a', 'b'], input: { kind: 'tokens', variable: 't', vocabulary: ['x', 'y'] } };
  const layout = compileLayout([{ id: `${T}train`, kind: 'Training', unit: 'rows', trainer }], 10, 'z64');
  assert.throws(() => validationOf(layout), badInput(/^aggregate urn:t:train \(Training\): cannot be validated: /));
});

// ---- honest contributions --------------------------------------------------------------------

function uniform(random: RandomSource, lo: number, hi: number): number {
  return lo + (new DataView(random(4).buffer).getUint32(0) / 2 ** 32) * (hi - lo);
}

// 0–4 rows, some variables missing, values beyond the bounds (clipped), keys outside the domain.
function rowsOf(random: RandomSource): Row[] {
  return Array.from({ length: Math.floor(uniform(random, 0, 5)) }, () => {
    const row: Row = { g: ['a', 'b', 'c', 'd'][Math.floor(uniform(random, 0, 4))] };
    if (uniform(random, 0, 1) < 0.9) row.x = uniform(random, -20, 120);
    row.big = uniform(random, -3e9, 3e9);
    for (let j = 0; j < 4; j++) row[`v${j}`] = uniform(random, -4, 4);
    row.w0 = uniform(random, -4e9, 4e9);
    row.w1 = uniform(random, -4e9, 4e9);
    return row;
  });
}

const LOWEST: Row = { g: 'a', x: -20, big: -4e9, v0: -4, v1: -4, v2: -4, v3: -4, w0: -4e9, w1: -4e9 };

/** Every member prepares, then finishes with every prep share. */
async function runGroup(v: Validation, key: Uint8Array, payloads: Uint8Array[], prepared?: (preps: Uint8Array[]) => Uint8Array[]): Promise<Verdict[]> {
  const k = payloads.length;
  const preps: Uint8Array[] = [];
  for (let i = 0; i < k; i++) preps.push(await prepareShare(v, key, k, i, payloads[i]));
  const exchanged = prepared ? prepared(preps) : preps;
  const verdicts: Verdict[] = [];
  for (let i = 0; i < k; i++) verdicts.push(await finishPreparation(v, key, k, i, payloads[i], exchanged));
  return verdicts;
}

for (const k of [2, 3, 5]) {
  test(`k = ${k}: honest contributions verify at every member and their output shares decode to the plain sum`, async () => {
    const random = seededRandom(`honest-${k}`);
    const key = random(16);
    const perPosition = Array.from({ length: k }, () => zeros(2 * V.fieldLength));
    const plain = zeros(LAYOUT.length);
    const contributions = 4;
    for (let c = 0; c < contributions; c++) {
      // The first matches nothing (all zero), the second sits at the lower bounds.
      const vector = encodeRows(LAYOUT, c === 0 ? [] : c === 1 ? [LOWEST] : rowsOf(random));
      addInto(plain, vector, 'z64');
      const verdicts = await runGroup(V, key, await shardContribution(V, vector, k, random));
      verdicts.forEach((verdict, i) => {
        assert.equal(verdict.kind, 'valid', verdict.kind === 'invalid' ? verdict.reason : '');
        if (verdict.kind === 'valid') addInto(perPosition[i], verdict.output, 'f128');
      });
    }
    const root = zeros(2 * V.fieldLength);
    for (const s of perPosition) addInto(root, s, 'f128');
    const decoded = fieldSumToLayout(V, root, contributions);
    assert.deepEqual(toSigned(decoded, 'z64'), toSigned(plain, 'z64'));
    assert.ok(toSigned(plain, 'z64').some((x) => x < 0n), 'negative sums are covered');
  });
}

test('a 1000-element SumVec of 16 bits (once)', async () => {
  const spec: AggregateSpec = { id: `${T}vector-1000`, kind: 'VectorSum', variables: Array.from({ length: 1000 }, (_, i) => `u${i}`), lower: 0, upper: 65535, ...people };
  const layout = compileLayout([spec], 100, 'z64');
  const v = validationOf(layout);
  assert.deepEqual(show(v.circuits), ['SumVec(1000, 16)', 'Sum(1)']);
  const random = seededRandom('sumvec-1000');
  const row: Row = Object.fromEntries(spec.variables.map((u, i) => [u, (i * 7919) % 65536]));
  const vector = encodeRows(layout, [row]);
  const payloads = await shardContribution(v, vector, 2, random);
  const verdicts = await runGroup(v, random(16), payloads);
  const root = zeros(2 * v.fieldLength);
  for (const verdict of verdicts) {
    assert.equal(verdict.kind, 'valid');
    if (verdict.kind === 'valid') addInto(root, verdict.output, 'f128');
  }
  assert.deepEqual(fieldSumToLayout(v, root, 1), vector);
});

// ---- cheats ---------------------------------------------------------------------------------

const SMALL = compileLayout(
  [
    { id: `${T}c`, kind: 'Count', ...people },
    { id: `${T}s`, kind: 'Sum', variable: 'x', lower: -100, upper: 100, ...people },
    { id: `${T}h`, kind: 'Histogram', variable: 'x', bins: [0, 1, 2, 3, 4].map((i) => ({ lower: i, upper: i + 1 })), ...people },
  ],
  100,
  'z64',
);
const SV = validationOf(SMALL);
const K = 3;
const rnd = seededRandom('cheats');
const KEY = rnd(16);
const honest = () => encodeRows(SMALL, [{ x: 2.5 }]); // [1, 3, 0, 0, 1, 0, 0]
const vec = (xs: bigint[]) => BigUint64Array.from(xs, (x) => BigInt.asUintN(64, x));

/** Every member reaches 'invalid', with the same reason. */
function allRejected(verdicts: Verdict[], pattern: RegExp): void {
  for (const verdict of verdicts) {
    assert.equal(verdict.kind, 'invalid');
    if (verdict.kind === 'invalid') assert.match(verdict.reason, pattern);
  }
  assert.equal(new Set(verdicts.map((v) => (v.kind === 'invalid' ? v.reason : 'valid'))).size, 1, 'one verdict at every member');
}

test('the honest small contribution is valid (control for the cheats below)', async () => {
  const verdicts = await runGroup(SV, KEY, await shardContribution(SV, honest(), K, rnd));
  assert.deepEqual(verdicts.map((v) => v.kind), ['valid', 'valid', 'valid']);
});

test('out-of-range values are refused by every member', async () => {
  const cases: [bigint[], RegExp][] = [
    [[2n, 0n, 0n, 0n, 0n, 0n, 0n], /circuit 0 \(Count of aggregate urn:t:c .*\): the proof did not verify/],
    [[1_000_000n, 0n, 0n, 0n, 0n, 0n, 0n], /circuit 0 \(Count/],
    [[-1n, 0n, 0n, 0n, 0n, 0n, 0n], /circuit 0 \(Count/],
    [[1n, 156n, 0n, 0n, 0n, 0n, 0n], /circuit 1 \(Sum of aggregate urn:t:s/], // −100 + 2^8: outside its 8 bits
    [[1n, -101n, 0n, 0n, 0n, 0n, 0n], /circuit 1 \(Sum/],
    [[1n, 0n, 1n, 1n, 0n, 0n, 0n], /circuit 2 \(Histogram of aggregate urn:t:h/], // two ones
    [[1n, 0n, 2n, 0n, 0n, 0n, 0n], /circuit 2 \(Histogram/],
  ];
  // The widened range still admits up to lower + 2^bits − 1 (here 155): the documented slack.
  const edge = await runGroup(SV, KEY, await shardContribution(SV, vec([1n, 155n, 0n, 0n, 0n, 0n, 0n]), K, rnd));
  assert.ok(edge.every((v) => v.kind === 'valid'));
  for (const [values, pattern] of cases) allRejected(await runGroup(SV, KEY, await shardContribution(SV, vec(values), K, rnd)), pattern);
});

/** A small contribution's shardings, per circuit, of the given layout vector. */
async function shardings(values: bigint[]) {
  return Promise.all(SV.circuits.map((c) => {
    const n = c.kind === 'Histogram' ? c.length : 1;
    return shardMeasurement(c, values.slice(c.offset, c.offset + n), K, rnd);
  }));
}

test('shares, proofs and public shares taken from another measurement are refused', async () => {
  const a = await shardings([1n, 3n, 0n, 0n, 1n, 0n, 0n]);
  const b = await shardings([0n, -7n, 1n, 0n, 0n, 0n, 0n]);
  const count = circuitSizes(SV.circuits[0], K);
  // The leader's proof share from b's count, its measurement share from a's count of 2.
  const two = await shardMeasurement(SV.circuits[0], [2n], K, rnd);
  const measurement = count.measurementElements * 16;
  const spliced = new Uint8Array(two.inputShares[0]);
  spliced.set(b[0].inputShares[0].subarray(measurement, measurement + count.proofElements * 16), measurement);
  allRejected(await runGroup(SV, KEY, payloadsOf([{ ...two, inputShares: [spliced, ...two.inputShares.slice(1)] }, a[1], a[2]], K)), /circuit 0 .*did not verify/);
  // a's shares under b's public share.
  allRejected(await runGroup(SV, KEY, payloadsOf([a[0], { ...a[1], publicShare: b[1].publicShare }, a[2]], K)), /circuit 1 /);
  // a's nonce and public share, one member's input share from b.
  allRejected(await runGroup(SV, KEY, payloadsOf([a[0], a[1], { ...a[2], inputShares: [a[2].inputShares[0], b[2].inputShares[1], a[2].inputShares[2]] }], K)), /circuit 2 /);
  // The k payloads of two whole contributions, mixed.
  const pa = payloadsOf(a, K);
  const pb = payloadsOf(b, K);
  allRejected(await runGroup(SV, KEY, [pa[0], pb[1], pb[2]]), /positions 0 and 1 hold different nonces or public shares/);
  // The same public share to all, wrong in one member's part only (divviup's prepareNext
  // would let that member alone accept).
  for (let part = 0; part < K; part++) {
    const tampered = new Uint8Array(a[0].publicShare);
    tampered[part * 16] ^= 1;
    allRejected(await runGroup(SV, KEY, payloadsOf([{ ...a[0], publicShare: tampered }, a[1], a[2]], K)), /circuit 0 /);
  }
  // One member is sent another public share than the others.
  const other = payloadsOf([a[0], { ...a[1], publicShare: b[1].publicShare }, a[2]], K);
  allRejected(await runGroup(SV, KEY, [pa[0], pa[1], other[2]]), /positions 0 and 2 hold different/);
});

test('a member who lies in its prep share makes every member refuse, never accept', async () => {
  const payloads = await shardContribution(SV, honest(), K, rnd);
  for (let liar = 0; liar < K; liar++) {
    // Random bytes of the right length, then random bytes behind an honest digest.
    allRejected(await runGroup(SV, KEY, payloads, (p) => p.map((s, i) => (i === liar ? rnd(s.length) : s))), /./);
    const forged = (p: Uint8Array[]) => p.map((s, i) => (i === liar ? Uint8Array.from([...s.subarray(0, 32), ...rnd(s.length - 32)]) : s));
    allRejected(await runGroup(SV, KEY, payloads, forged), /did not verify|field element|joint randomness/);
  }
  // A prep share of the wrong length, and one holding an element ≥ p.
  allRejected(await runGroup(SV, KEY, payloads, (p) => p.map((s, i) => (i === 1 ? s.subarray(1) : s))), /^position 1's prep share is \d+ bytes, expected \d+$/);
  const high = (p: Uint8Array[]) => p.map((s, i) => (i === 2 ? Uint8Array.from(s, (x, j) => (j >= 32 && j < 48 ? 0xff : x)) : s));
  allRejected(await runGroup(SV, KEY, payloads, high), /circuit 0 .*position 2's prep share holds a field element ≥ p/);
});

test('a malformed payload throws bad-input at prepareShare, naming what is wrong', async () => {
  const payloads = await shardContribution(SV, honest(), K, rnd);
  const longer = Uint8Array.from([...payloads[0], 0]);
  await assert.rejects(prepareShare(SV, KEY, K, 0, longer), badInput(/validated contribution for position 0 is \d+ bytes, 3 circuits make \d+/));
  await assert.rejects(prepareShare(SV, KEY, K, 1, payloads[0]), badInput(/position 1 is \d+ bytes/)); // the leader's share at a helper
  // The first field element of the count's measurement share set to 2^128 − 1 (≥ p).
  const high = new Uint8Array(payloads[0]);
  high.fill(0xff, 16 + K * 16, 16 + K * 16 + 16);
  await assert.rejects(prepareShare(SV, KEY, K, 0, high), badInput(/circuit 0 \(Count of aggregate urn:t:c at element 0\): its measurement share holds a field element ≥ p/));
  await assert.rejects(prepareShare(SV, KEY.subarray(1), K, 0, payloads[0]), badInput(/verify key is 16 bytes/));
  await assert.rejects(shardContribution(SV, zeros(3), K, rnd), badInput(/3 elements, the layout 7/));
});

test('the verdict needs the right verify key at every member', async () => {
  const payloads = await shardContribution(SV, honest(), K, rnd);
  const preps = await Promise.all(payloads.map((p, i) => prepareShare(SV, i === 1 ? rnd(16) : KEY, K, i, p)));
  const verdicts = await Promise.all(payloads.map((p, i) => finishPreparation(SV, KEY, K, i, p, preps)));
  allRejected(verdicts, /did not verify/);
});

// ---- verify key -----------------------------------------------------------------------------

test('the verify key is deterministic and changes with any seed, the query or the group', () => {
  const seeds = [1, 2, 3].map((i) => new Uint8Array(16).fill(i));
  const key = verifyKey(`${T}q`, 'g.0', seeds);
  assert.equal(key.length, 16);
  assert.deepEqual(verifyKey(`${T}q`, 'g.0', seeds.map((s) => s.slice())), key);
  const differs = (other: Uint8Array) => assert.notDeepEqual(other, key);
  differs(verifyKey(`${T}q2`, 'g.0', seeds));
  differs(verifyKey(`${T}q`, 'g.1', seeds));
  differs(verifyKey(`${T}q`, '0.g', seeds));
  differs(verifyKey(T, 'qg.0', seeds)); // the length prefixes keep query and group apart
  differs(verifyKey(`${T}q`, 'g.0', [seeds[1], seeds[0], seeds[2]]));
  for (let i = 0; i < 3; i++) {
    const changed = seeds.map((s) => s.slice());
    changed[i][15] ^= 1;
    differs(verifyKey(`${T}q`, 'g.0', changed));
  }
  assert.throws(() => verifyKey(`${T}q`, 'g.0', [seeds[0], new Uint8Array(15)]), badInput(/seed 1 is 15 bytes, expected 16/));
});
