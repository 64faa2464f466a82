import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../agent/core/errors.ts';
import { P61, addInto, bytesToVec, p61ToZ64Into, subInto, toSigned, vecToBytes, z64ToP61Into, zeros } from '../agent/core/ring.ts';

const M64 = 1n << 64n;
const u64 = fc.bigInt({ min: 0n, max: M64 - 1n });
const field = fc.bigInt({ min: 0n, max: P61 - 1n });
const edge = (xs: bigint[]) => fc.oneof(fc.constantFrom(...xs), u64);
const z64Edge = edge([0n, 1n, M64 - 1n, (1n << 32n) - 1n, 1n << 32n, 1n << 63n, (1n << 63n) - 1n]);
const p61Edge = fc.oneof(fc.constantFrom(0n, 1n, P61 - 1n, P61 - 2n, (1n << 32n) - 1n, P61 / 2n), field);

test('z64 add and sub agree with BigInt arithmetic mod 2^64', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(z64Edge, z64Edge), { minLength: 1, maxLength: 40 }), (pairs) => {
      const a = BigUint64Array.from(pairs.map((p) => p[0]));
      const b = BigUint64Array.from(pairs.map((p) => p[1]));
      const sum = a.slice();
      addInto(sum, b, 'z64');
      const diff = a.slice();
      subInto(diff, b, 'z64');
      pairs.forEach(([x, y], i) => {
        assert.equal(sum[i], (x + y) % M64);
        assert.equal(diff[i], (((x - y) % M64) + M64) % M64);
      });
    }),
  );
});

test('p61 add and sub agree with BigInt arithmetic mod 2^61 − 1', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(p61Edge, p61Edge), { minLength: 1, maxLength: 40 }), (pairs) => {
      const a = BigUint64Array.from(pairs.map((p) => p[0]));
      const b = BigUint64Array.from(pairs.map((p) => p[1]));
      const sum = a.slice();
      addInto(sum, b, 'p61');
      const diff = a.slice();
      subInto(diff, b, 'p61');
      pairs.forEach(([x, y], i) => {
        assert.equal(sum[i], (x + y) % P61);
        assert.equal(diff[i], (((x - y) % P61) + P61) % P61);
      });
    }),
  );
});

test('p61 ops refuse elements at or above 2^61', () => {
  const err = (e: unknown) => e instanceof ProtocolError && e.code === 'bad-input';
  assert.throws(() => addInto(zeros(1), BigUint64Array.of(1n << 61n), 'p61'), err);
  assert.throws(() => addInto(zeros(2), zeros(3), 'z64'), err);
});

test('toSigned reads two’s complement (z64) and centred (p61) values', () => {
  assert.deepEqual(toSigned(BigUint64Array.of(0n, 5n, M64 - 5n, 1n << 63n), 'z64'), [0n, 5n, -5n, -(1n << 63n)]);
  assert.deepEqual(toSigned(BigUint64Array.of(0n, 5n, P61 - 5n, P61 / 2n, P61 / 2n + 1n), 'p61'), [0n, 5n, -5n, P61 / 2n, -(P61 / 2n)]);
});

test('signed values map z64 → p61 → z64 unchanged, and out-of-range values are refused', () => {
  const half = (P61 - 1n) / 2n;
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(0n, 1n, -1n, half, -half), fc.bigInt({ min: -half, max: half })), { minLength: 1 }), (xs) => {
      const v = BigUint64Array.from(xs.map((x) => BigInt.asUintN(64, x)));
      const f = zeros(v.length);
      z64ToP61Into(f, v);
      assert.deepEqual(toSigned(f, 'p61'), xs);
      const back = zeros(v.length);
      p61ToZ64Into(back, f);
      assert.deepEqual(back, v);
    }),
  );
  for (const x of [half + 1n, -half - 1n, 1n << 62n]) {
    assert.throws(() => z64ToP61Into(zeros(1), BigUint64Array.of(BigInt.asUintN(64, x))), (e: unknown) => e instanceof ProtocolError && e.code === 'overflow');
  }
});

test('vectors round-trip through bytes; a ragged byte string is refused', () => {
  fc.assert(
    fc.property(fc.array(u64), fc.nat(7), (xs, shift) => {
      const v = BigUint64Array.from(xs);
      const bytes = vecToBytes(v);
      const unaligned = new Uint8Array(bytes.length + shift).subarray(shift);
      unaligned.set(bytes);
      assert.deepEqual(bytesToVec(bytes), v);
      assert.deepEqual(bytesToVec(unaligned), v);
    }),
  );
  assert.throws(() => bytesToVec(new Uint8Array(7)), (e: unknown) => e instanceof ProtocolError && e.code === 'bad-input');
});
