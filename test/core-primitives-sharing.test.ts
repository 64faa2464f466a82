import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../agent/core/errors.ts';
import { seededRandom, type RandomSource } from '../agent/core/random.ts';
import { P61, addInto, zeros, type Vec } from '../agent/core/ring.ts';
import { combineShamir, splitShamir } from '../agent/core/shamir.ts';
import { combineAdditive, splitAdditive } from '../agent/core/shares.ts';

const half = (P61 - 1n) / 2n;
const signedVec = (max: bigint) =>
  fc.array(fc.oneof(fc.constantFrom(0n, 1n, -1n, max, -max), fc.bigInt({ min: -max, max })), { minLength: 1, maxLength: 30 }).map((xs) =>
    BigUint64Array.from(xs.map((x) => BigInt.asUintN(64, x))),
  );
const seed = fc.integer();

test('additive shares reconstruct any vector for any k', () => {
  fc.assert(
    fc.property(signedVec((1n << 63n) - 1n), fc.integer({ min: 1, max: 8 }), seed, (x, k, s) => {
      const shares = splitAdditive(x, k, seededRandom(s));
      assert.equal(shares.length, k);
      assert.deepEqual(combineAdditive(shares), x);
    }),
  );
});

test('sums of additive shares reconstruct the sum of the secrets', () => {
  fc.assert(
    fc.property(signedVec(1n << 40n), seed, (x, s) => {
      const y = x.map((v) => BigInt.asUintN(64, v * 3n + 1n));
      const [a, b] = [splitAdditive(x, 4, seededRandom(s)), splitAdditive(y, 4, seededRandom(s + 1))];
      a.forEach((share, i) => addInto(share, b[i], 'z64'));
      const want = x.slice();
      addInto(want, y, 'z64');
      assert.deepEqual(combineAdditive(a), want);
    }),
  );
});

test('Shamir: any t of k shares reconstruct; sums of shares (ring p61) reconstruct the sum', () => {
  // k, t, and which t of the k shares (in any order) reach the combiner.
  const params = fc
    .integer({ min: 1, max: 8 })
    .chain((k) => fc.integer({ min: 1, max: k }).chain((t) => fc.tuple(fc.constant(k), fc.constant(t), fc.shuffledSubarray([...Array(k).keys()], { minLength: t, maxLength: t }))));
  fc.assert(
    fc.property(signedVec(half - 5n), params, seed, (x, [k, t, picked], s) => {
      const shares = splitShamir(x, k, t, seededRandom(s));
      assert.equal(shares.length, k);
      const subset = picked.map((index) => ({ index, share: shares[index] }));
      assert.deepEqual(combineShamir(subset, t), x);
      const y = x.map((v) => BigInt.asUintN(64, -v + 5n));
      const other = splitShamir(y, k, t, seededRandom(s + 1));
      const summed = subset.map(({ index, share }) => {
        const acc = share.slice();
        addInto(acc, other[index], 'p61');
        return { index, share: acc };
      });
      const want = x.slice();
      addInto(want, y, 'z64');
      assert.deepEqual(combineShamir(summed, t), want);
    }),
  );
});

test('Shamir refuses too few shares, bad parameters and secrets outside the field’s signed range', () => {
  const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;
  const shares = splitShamir(BigUint64Array.of(42n), 5, 3, seededRandom(1));
  assert.throws(() => combineShamir([{ index: 0, share: shares[0] }, { index: 0, share: shares[0] }, { index: 2, share: shares[2] }], 3), code('bad-input'));
  assert.throws(() => splitShamir(zeros(1), 3, 4, seededRandom(1)), code('bad-input'));
  assert.throws(() => splitShamir(BigUint64Array.of(half + 1n), 3, 2, seededRandom(1)), code('overflow'));
});

// ---- what a coalition sees ------------------------------------------------------------
// The joint low nibbles of a coalition's shares (256 cells) over many splits, for two
// different secrets: each must look uniform and the two must be indistinguishable.

const SPLITS = 6000;

function coalitionHistogram(secret: bigint, split: (x: Vec, r: RandomSource) => Vec[], coalition: number[], seedText: string): number[] {
  const random = seededRandom(seedText);
  const counts = new Array<number>(256).fill(0);
  const x = BigUint64Array.of(BigInt.asUintN(64, secret));
  for (let n = 0; n < SPLITS; n++) {
    const shares = split(x, random);
    const [a, b] = coalition.map((i) => Number(shares[i][0] & 0xfn));
    counts[(a << 4) | (b ?? 0)]++;
  }
  return counts;
}

// Upper tail of the chi-square distribution (Wilson–Hilferty; fine for df ≥ 30).
function chiSquareP(x: number, df: number): number {
  const z = (Math.cbrt(x / df) - (1 - 2 / (9 * df))) / Math.sqrt(2 / (9 * df));
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(z: number): number {
  // Numerical Recipes' erfc, relative error < 1.2e-7.
  const t = 1 / (1 + 0.5 * Math.abs(z));
  const y =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? y : 2 - y;
}

function uniformP(counts: number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const e = total / counts.length;
  return chiSquareP(counts.reduce((s, c) => s + (c - e) ** 2 / e, 0), counts.length - 1);
}

function sameDistributionP(a: number[], b: number[]): number {
  const [na, nb] = [a.reduce((s, c) => s + c, 0), b.reduce((s, c) => s + c, 0)];
  let x = 0;
  let df = -1;
  a.forEach((ca, i) => {
    const col = ca + b[i];
    if (col === 0) return;
    df++;
    const [ea, eb] = [(col * na) / (na + nb), (col * nb) / (na + nb)];
    x += (ca - ea) ** 2 / ea + (b[i] - eb) ** 2 / eb;
  });
  return chiSquareP(x, df);
}

function assertIndistinguishable(name: string, split: (x: Vec, r: RandomSource) => Vec[], coalition: number[]): void {
  const h0 = coalitionHistogram(0n, split, coalition, `${name}/0`);
  const h1 = coalitionHistogram(-123456789n, split, coalition, `${name}/1`);
  for (const [label, p] of [
    ['secret 0 uniform', uniformP(h0)],
    ['secret −123456789 uniform', uniformP(h1)],
    ['same distribution', sameDistributionP(h0, h1)],
  ] as const) {
    assert.ok(p > 1e-4, `${name}, coalition ${coalition}: ${label} p = ${p}`);
  }
}

test('a coalition of k − 1 additive shareholders sees uniform shares whatever the secret', () => {
  const split = (x: Vec, r: RandomSource) => splitAdditive(x, 3, r);
  assertIndistinguishable('additive', split, [0, 1]);
  assertIndistinguishable('additive', split, [1, 2]); // includes the computed last share
  assertIndistinguishable('additive', split, [0, 2]);
});

test('a coalition of t − 1 Shamir shareholders sees uniform shares whatever the secret', () => {
  const split = (x: Vec, r: RandomSource) => splitShamir(x, 5, 3, r);
  assertIndistinguishable('shamir', split, [0, 4]);
  assertIndistinguishable('shamir', split, [1, 2]);
});

test('the statistical test has power: a full additive group’s view depends on the secret', () => {
  // Control: the nibble of the sum of all k shares is the secret's; the test must flag it.
  const split = (x: Vec, r: RandomSource) => {
    const shares = splitAdditive(x, 3, r);
    const all = zeros(1);
    for (const s of shares) addInto(all, s, 'z64');
    return [all, shares[0]];
  };
  const h0 = coalitionHistogram(0n, split, [0, 1], 'control/0');
  const h1 = coalitionHistogram(5n, split, [0, 1], 'control/1');
  assert.ok(sameDistributionP(h0, h1) < 1e-10);
  assert.ok(uniformP(h0) < 1e-10);
});

test('random sources: exact lengths, the large path differs call to call, seeded streams repeat', async () => {
  const { secureRandom } = await import('../agent/core/random.ts');
  for (const n of [0, 1, 31, 4096, 4097, 200_000]) assert.equal(secureRandom(n).length, n);
  const [a, b] = [secureRandom(100_000), secureRandom(100_000)];
  assert.notDeepEqual(a, b);
  assert.ok(a.some((x) => x !== 0));
  const r = seededRandom('s');
  const s = seededRandom('s');
  assert.deepEqual([r(5), r(40), r(1)], [s(5), s(40), s(1)]);
  assert.notDeepEqual(seededRandom(1)(32), seededRandom('1')(32));
});
