import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AggregateSpec, AggregateValue, Bin, VarianceSpec } from '../query-vocab/types.ts';
import { compileLayout, decode, encodeRows, type Row } from '../agent/core/encoding.ts';
import { ProtocolError } from '../agent/core/errors.ts';
import { seededRandom } from '../agent/core/random.ts';
import { addInto, zeros, type Ring, type Vec } from '../agent/core/ring.ts';
import { combineShamir, splitShamir } from '../agent/core/shamir.ts';
import { combineAdditive, splitAdditive } from '../agent/core/shares.ts';

const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;

// ---- a plaintext reference, written from the rules in encoding.ts's header ---------------

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const boundedOf = (spec: AggregateSpec) => ('lower' in spec ? spec : undefined);
const scaleOf = (spec: AggregateSpec) => 10 ** (boundedOf(spec)?.precision ?? 0);

function encodedTerms(spec: AggregateSpec, rows: Row[]): bigint[] {
  const scale = scaleOf(spec);
  const bounded = boundedOf(spec);
  const clip = (x: number) => (bounded ? Math.min(Math.max(x, bounded.lower), bounded.upper) : x);
  const e = (x: number) => BigInt(Math.round(clip(x) * scale));
  const cap = spec.unit === 'rows' ? (spec.maxRows ?? 1000) : Infinity;
  const people = spec.unit === 'people';
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  switch (spec.kind) {
    case 'Count':
      return [BigInt(people ? Math.min(rows.length, 1) : Math.min(rows.length, cap))];
    case 'Histogram': {
      const xs = rows.map((r) => r[spec.variable]).filter(isNum).slice(0, cap);
      const picked = people && xs.length ? [mean(xs)] : xs;
      const bins = spec.bins;
      return bins.map((b, i) => BigInt(picked.filter((x) => x >= b.lower && (x < b.upper || (i === bins.length - 1 && x === b.upper))).length));
    }
    case 'VectorSum': {
      const vs = rows.map((r) => spec.variables.map((v) => r[v])).filter((v): v is number[] => v.every(isNum)).slice(0, cap);
      if (vs.length === 0) return new Array<bigint>(spec.variables.length + 1).fill(0n);
      if (people) return [...spec.variables.map((_, j) => e(mean(vs.map((v) => clip(v[j]))))), 1n];
      return [...spec.variables.map((_, j) => vs.reduce((s, v) => s + e(v[j]), 0n)), BigInt(vs.length)];
    }
    case 'Training':
    case 'Evaluation':
      throw new Error('computed by the agent: test/core-training.test.ts');
    default: {
      const xs = rows.map((r) => r[spec.variable]).filter(isNum).slice(0, cap);
      const es = people ? (xs.length ? [e(mean(xs.map(clip)))] : []) : xs.map(e);
      const s1 = es.reduce((s, x) => s + x, 0n);
      const s2 = es.reduce((s, x) => s + x * x, 0n);
      const n = BigInt(es.length);
      return spec.kind === 'Sum' ? [s1] : spec.kind === 'Mean' ? [s1, n] : [s1, s2, n];
    }
  }
}

function referenceValue(spec: AggregateSpec, s: bigint[]): AggregateValue {
  const scale = scaleOf(spec);
  switch (spec.kind) {
    case 'Count':
      return { kind: 'scalar', value: Number(s[0]) };
    case 'Sum':
      return { kind: 'scalar', value: Number(s[0]) / scale };
    case 'Mean':
      return { kind: 'scalar', value: Number(s[0]) / (Number(s[1]) * scale) };
    case 'Variance':
      return { kind: 'scalar', value: Number(s[2] * s[1] - s[0] * s[0]) / Number(s[2] * s[2]) / (scale * scale) };
    case 'SampleVariance':
      return { kind: 'scalar', value: s[2] < 2n ? NaN : Number(s[2] * s[1] - s[0] * s[0]) / Number(s[2] * (s[2] - 1n)) / (scale * scale) };
    case 'Histogram':
      return { kind: 'histogram', bins: spec.bins, counts: s.map(Number) };
    case 'VectorSum':
      return { kind: 'vector', values: s.slice(0, -1).map((x) => Number(x) / (Number(s[s.length - 1]) * scale)) };
    case 'Training':
    case 'Evaluation':
      throw new Error('computed by the agent: test/core-training.test.ts');
  }
}

function reference(specs: AggregateSpec[], contributors: Row[][]) {
  return specs.map((spec) => {
    const keys = spec.groupBy?.keys;
    const total = (filter: (r: Row) => boolean) =>
      contributors
        .map((c) => encodedTerms(spec, c.filter(filter)))
        .reduce((acc, t) => acc.map((a, i) => a + t[i]));
    const value: AggregateValue = keys
      ? { kind: 'grouped', keys, values: keys.map((k) => referenceValue(spec, total((r) => r[spec.groupBy!.variable] !== undefined && String(r[spec.groupBy!.variable]) === k))) }
      : referenceValue(spec, total(() => true));
    return { aggregate: spec.id, kind: spec.kind, value };
  });
}

// ---- generators ------------------------------------------------------------------------

const bounds = fc
  .tuple(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }), fc.boolean())
  .map(([a, b, int]) => (int ? [Math.round(a), Math.round(b)] : [a, b]).sort((x, y) => x - y) as [number, number]);
const bins: fc.Arbitrary<Bin[]> = fc
  .uniqueArray(fc.integer({ min: -60, max: 60 }), { minLength: 2, maxLength: 6 })
  .map((edges) => edges.sort((a, b) => a - b))
  .chain((edges) => fc.boolean().map((gaps) => (gaps ? edges.slice(0, -1).map((lower, i) => ({ lower, upper: edges[i + 1] })).filter((_, i) => i % 2 === 0) : edges.slice(0, -1).map((lower, i) => ({ lower, upper: edges[i + 1] })))));

const spec: fc.Arbitrary<Omit<AggregateSpec, 'id'>> = fc
  .record({
    kind: fc.constantFrom('Count', 'Sum', 'Mean', 'Variance', 'SampleVariance', 'Histogram', 'VectorSum'),
    bounds,
    precision: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    bins,
    dim: fc.integer({ min: 1, max: 3 }),
    unit: fc.constantFrom('rows', 'people'),
    maxRows: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    groupKeys: fc.option(fc.subarray(['a', 'b', '7'], { minLength: 1 }), { nil: undefined }),
  })
  .map((r) => ({
    kind: r.kind,
    ...(r.kind === 'Count' ? {} : r.kind === 'VectorSum' ? { variables: ['x', 'y', 'z'].slice(0, r.dim) } : { variable: 'x' }),
    ...(r.kind === 'Count' || r.kind === 'Histogram' ? {} : { lower: r.bounds[0], upper: r.bounds[1], precision: r.precision }),
    ...(r.kind === 'Histogram' ? { bins: r.bins } : {}),
    unit: r.unit,
    maxRows: r.maxRows,
    ...(r.groupKeys ? { groupBy: { variable: 'k', keys: r.groupKeys } } : {}),
  }));
const specs = fc.array(spec, { minLength: 1, maxLength: 4 }).map((ss) => ss.map((s, i) => ({ ...s, id: `https://q.example/q#agg${i}` }) as AggregateSpec));

const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -80, max: 80, noNaN: true }) },
  { weight: 6, arbitrary: fc.integer({ min: -80, max: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, '12', undefined) },
);
const row = fc
  .record({ x: value, y: value, z: value, k: fc.constantFrom('a', 'b', 'c', 7, undefined) })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Row);
const contributors = fc.array(fc.array(row, { maxLength: 5 }), { minLength: 1, maxLength: 6 });

// ---- the protocol path: encode, share, sum share-wise, reconstruct, decode -------------

function aggregate(layoutRing: Ring, vectors: Vec[], k: number, seed: number): Vec {
  const t = Math.max(1, k - 1);
  const sums = Array.from({ length: k }, () => zeros(vectors[0].length));
  vectors.forEach((v, c) => {
    const shares = layoutRing === 'z64' ? splitAdditive(v, k, seededRandom(seed + c)) : splitShamir(v, k, t, seededRandom(seed + c));
    shares.forEach((s, i) => addInto(sums[i], s, layoutRing));
  });
  return layoutRing === 'z64' ? combineAdditive(sums) : combineShamir(sums.map((share, index) => ({ index, share })).slice(1), t);
}

for (const ring of ['z64', 'p61'] as const) {
  test(`decode(Σ shares) equals the plaintext aggregate of the encoded values, every kind (${ring})`, () => {
    fc.assert(
      fc.property(specs, contributors, fc.integer({ min: 2, max: 5 }), fc.integer(), (ss, cs, k, seed) => {
        const layout = compileLayout(ss, 1000, ring);
        const vectors = cs.map((rows) => encodeRows(layout, rows));
        assert.deepStrictEqual(decode(layout, aggregate(ring, vectors, k, seed)), reference(ss, cs));
      }),
      { numRuns: 200 },
    );
  });
}

test('worked example: count, sum, mean, variance, histogram, grouped, vector', () => {
  const id = (s: string) => `https://q.example/q#${s}`;
  const layout = compileLayout(
    [
      { id: id('n'), kind: 'Count', unit: 'people' },
      { id: id('rows'), kind: 'Count', unit: 'rows' },
      { id: id('sum'), kind: 'Sum', variable: 'x', lower: 0, upper: 10, precision: 1, unit: 'rows' },
      { id: id('mean'), kind: 'Mean', variable: 'x', lower: 0, upper: 10, unit: 'people' },
      { id: id('var'), kind: 'Variance', variable: 'x', lower: 0, upper: 100, unit: 'rows' },
      { id: id('svar'), kind: 'SampleVariance', variable: 'x', lower: 0, upper: 100, unit: 'rows' },
      { id: id('hist'), kind: 'Histogram', variable: 'x', bins: [{ lower: 0, upper: 2 }, { lower: 2, upper: 4 }], unit: 'rows' },
      { id: id('by'), kind: 'Count', unit: 'rows', groupBy: { variable: 'k', keys: ['a', 'b'] } },
      { id: id('vec'), kind: 'VectorSum', variables: ['x', 'y'], lower: -10, upper: 10, unit: 'rows' },
    ],
    10,
    'z64',
  );
  const alice: Row[] = [{ x: 1, y: 2, k: 'a' }, { x: 2, y: 4, k: 'z' }];
  const bob: Row[] = [{ x: 4, y: 0, k: 'b' }, { x: 12.34, k: 'a' }];
  const sum = encodeRows(layout, alice);
  addInto(sum, encodeRows(layout, bob), 'z64');
  const v = Object.fromEntries(decode(layout, sum).map((r) => [r.aggregate.split('#')[1], r.value]));
  assert.deepEqual(v.n, { kind: 'scalar', value: 2 });
  assert.deepEqual(v.rows, { kind: 'scalar', value: 4 });
  assert.deepEqual(v.sum, { kind: 'scalar', value: 17 }); // 1 + 2 + 4 + 10 (12.34 clipped)
  assert.deepEqual(v.mean, { kind: 'scalar', value: 4.5 }); // alice averages 1.5 (encoded 2), bob 7 (12.34 clipped)
  assert.deepEqual(v.var, { kind: 'scalar', value: (1 + 4 + 16 + 144) / 4 - ((1 + 2 + 4 + 12) / 4) ** 2 });
  // The mean is 4.75: squared deviations 14.0625 + 7.5625 + 0.5625 + 52.5625 = 74.75, over n − 1.
  assert.deepEqual(v.svar, { kind: 'scalar', value: 74.75 / 3 });
  assert.deepEqual(v.hist, { kind: 'histogram', bins: [{ lower: 0, upper: 2 }, { lower: 2, upper: 4 }], counts: [1, 2] }); // 4 is the last bin's upper edge
  assert.deepEqual(v.by, { kind: 'grouped', keys: ['a', 'b'], values: [{ kind: 'scalar', value: 2 }, { kind: 'scalar', value: 1 }] });
  assert.deepEqual(v.vec, { kind: 'vector', values: [7 / 3, 2] }); // bob's second row has no y
});

test('a sample variance of fewer than two values is NaN, never 0 or a division by zero passed off as a number', () => {
  const spec = (unit: 'rows' | 'people'): AggregateSpec => ({ id: `https://q.example/q#${unit}`, kind: 'SampleVariance', variable: 'x', lower: 0, upper: 10, unit });
  const layout = compileLayout([spec('rows'), spec('people')], 10, 'z64');
  const values = (rows: Row[][]) => {
    const sum = zeros(layout.length);
    for (const r of rows) addInto(sum, encodeRows(layout, r), 'z64');
    return decode(layout, sum).map((r) => r.value);
  };
  assert.deepEqual(values([]), [{ kind: 'scalar', value: NaN }, { kind: 'scalar', value: NaN }]);
  assert.deepEqual(values([[{ x: 3 }]]), [{ kind: 'scalar', value: NaN }, { kind: 'scalar', value: NaN }]);
  // Two rows of one person: a sample over rows, but a single person.
  assert.deepEqual(values([[{ x: 3 }, { x: 5 }]]), [{ kind: 'scalar', value: 2 }, { kind: 'scalar', value: NaN }]);
  assert.deepEqual(values([[{ x: 3 }], [{ x: 5 }]]), [{ kind: 'scalar', value: 2 }, { kind: 'scalar', value: 2 }]);
});

// ---- overflow ----------------------------------------------------------------------------

const variance = (bound: number, precision: number, maxRows: number): VarianceSpec => ({
  id: 'https://q.example/q#v', kind: 'Variance', variable: 'x', lower: -bound, upper: bound, precision, unit: 'rows', maxRows,
});

test('a query whose worst case could overflow is refused with a clear sentence', () => {
  assert.throws(() => compileLayout([variance(1000, 2, 1000)], 1_000_000, 'z64'), (e: unknown) => {
    assert.ok(code('overflow')(e));
    assert.match((e as Error).message, /aggregate https:\/\/q\.example\/q#v \(Variance\) could reach 1\.00e\+19 in the worst case .*1000 rows × 1000000 people.*z64 ring/);
    return true;
  });
  compileLayout([variance(1000, 2, 1)], 1_000_000, 'z64');
  const sum = { id: 'https://q.example/q#s', kind: 'Sum', variable: 'x', lower: 0, upper: 1e6, precision: 6, unit: 'people' } as const;
  compileLayout([sum], 2_000_000, 'z64'); // 2·10^18 < 2^63
  assert.throws(() => compileLayout([sum], 2_000_000, 'p61'), code('overflow')); // 2·10^18 > 2^60
  assert.throws(() => compileLayout([{ ...sum, precision: 15 }], 1, 'z64'), code('overflow')); // beyond exact doubles
  assert.throws(() => compileLayout([{ ...sum, lower: 2, upper: 1 }], 1, 'z64'), code('bad-input'));
});

test('the overflow bound is exactly the worst case', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 10 ** 6 }), fc.constantFrom<Ring>('z64', 'p61'), (b, p, rows, n, ring) => {
      const worst = BigInt(b * 10 ** p) ** 2n * BigInt(rows) * BigInt(n);
      const limit = ring === 'z64' ? (1n << 63n) - 1n : ((1n << 61n) - 2n) / 2n;
      const accepted = (() => {
        try {
          compileLayout([variance(b, p, rows)], n, ring);
          return true;
        } catch (e) {
          assert.ok(code('overflow')(e));
          return false;
        }
      })();
      assert.equal(accepted, b * 10 ** p <= Number.MAX_SAFE_INTEGER && worst <= limit);
    }),
  );
});

test('at the edge of the ring the worst case still decodes exactly', () => {
  // 3 people × 2 rows at the upper bound: 6·e² must stay below 2^63.
  const e = Number(sqrt(((1n << 63n) - 1n) / 6n));
  assert.throws(() => compileLayout([variance(e + 1, 0, 2)], 3, 'z64'), code('overflow'));
  const spec = variance(e, 0, 2);
  const layout = compileLayout([{ ...spec, id: 'https://q.example/q#m', kind: 'Mean' }, spec], 3, 'z64');
  const sum = zeros(layout.length);
  for (let i = 0; i < 3; i++) addInto(sum, encodeRows(layout, [{ x: 1e300 }, { x: e }, { x: 0 }]), 'z64');
  const [mean, v] = decode(layout, sum);
  assert.deepEqual(mean.value, { kind: 'scalar', value: e });
  assert.deepEqual(v.value, { kind: 'scalar', value: 0 });
});

function sqrt(n: bigint): bigint {
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

test('decode refuses a vector of the wrong length; bad specs are refused', () => {
  const layout = compileLayout([{ id: 'a', kind: 'Count', unit: 'rows' }], 5, 'z64');
  assert.throws(() => decode(layout, zeros(2)), code('bad-input'));
  assert.throws(() => compileLayout([{ id: 'a', kind: 'Sum', unit: 'rows', lower: 0, upper: 1 } as AggregateSpec], 5, 'z64'), code('bad-input')); // no variable
  assert.throws(() => compileLayout([{ id: 'a', kind: 'Histogram', variable: 'x', unit: 'rows', bins: [{ lower: 0, upper: 2 }, { lower: 1, upper: 3 }] }], 5, 'z64'), code('bad-input'));
  assert.throws(() => compileLayout([{ id: 'a', kind: 'Count', unit: 'rows' }, { id: 'a', kind: 'Count', unit: 'rows' }], 5, 'z64'), code('bad-input'));
});
