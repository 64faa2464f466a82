// Integer vectors summed element-wise. Three rings: Z_{2^64} (two's complement, additive
// sharing), the Mersenne prime field GF(2^61 − 1) (Shamir sharing) and Prio3's Field128
// (validated contributions: output shares of verified proofs). Elements live in a
// BigUint64Array, but the arithmetic runs on a Uint32Array view of the same buffer (low
// word, high word, manual carry): BigInt arithmetic is about 100× slower. An f128 element
// takes two consecutive u64 words (low, high): n elements are a BigUint64Array of 2n.

import { ProtocolError } from './errors.ts';

export type Vec = BigUint64Array;
export type Ring = 'z64' | 'p61' | 'f128';

/** The Mersenne prime 2^61 − 1. */
export const P61 = (1n << 61n) - 1n;
const P_HI = 0x1fffffff; // high word of P61; its low word is 0xffffffff
/** Prio3's Field128 modulus 2^128 − 28·2^64 + 1 (prio3.ts checks it against divviup's). */
export const P128 = (1n << 128n) - 28n * (1n << 64n) + 1n;
// P128's 32-bit words, most significant first: 0xffffffff, 0xffffffe4, 0, 1.
const Q3 = 0xffffffff;
const Q2 = 0xffffffe4;
const TWO32 = 0x100000000;

// The word views below assume the low word comes first.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('podagg needs a little-endian platform');
}

export function zeros(n: number): Vec {
  return new BigUint64Array(n);
}

/**
 * Largest |value| a summed element may reach without wrapping, per ring. A layout summed in
 * f128 is still encoded as a z64 vector and decoded back to one (prio3.ts), so z64 bounds it.
 */
export function signedMax(ring: Ring): bigint {
  return ring === 'p61' ? (P61 - 1n) / 2n : (1n << 63n) - 1n;
}

function words(v: Vec): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
}

function signedWords(v: Vec): Int32Array {
  return new Int32Array(v.buffer, v.byteOffset, v.length * 2);
}

function sameLength(acc: Vec, x: Vec): void {
  if (acc.length !== x.length) {
    throw new ProtocolError('bad-input', `vector lengths differ: ${acc.length} and ${x.length}`);
  }
}

// A p61 element must be below 2^61 (P61 itself is accepted as 0); one shift checks it.
function checkP61(w: Uint32Array): void {
  for (let i = 1; i < w.length; i += 2) {
    if (w[i] >>> 29 !== 0) throw new ProtocolError('bad-input', 'element outside GF(2^61 − 1)');
  }
}

// An f128 vector is whole elements (an even number of words), each below P128: under
// P128's top word anything goes; at it, the next word decides; at both, only P128 − 1's
// low words (0, 0) remain.
function checkF128(w: Uint32Array): void {
  if (w.length % 4 !== 0) throw new ProtocolError('bad-input', `an f128 vector needs an even number of words, got ${w.length / 2}`);
  for (let i = 0; i < w.length; i += 4) {
    if (w[i + 3] === Q3 && (w[i + 2] > Q2 || (w[i + 2] === Q2 && (w[i + 1] | w[i]) !== 0))) {
      throw new ProtocolError('bad-input', `element ${i / 4} outside Field128`);
    }
  }
}

/** Throws bad-input when a received vector holds a value outside the ring. */
export function assertInRing(v: Vec, ring: Ring): void {
  if (ring === 'p61') checkP61(words(v));
  else if (ring === 'f128') checkF128(words(v));
}

/** acc += x in the ring. */
export function addInto(acc: Vec, x: Vec, ring: Ring): void {
  sameLength(acc, x);
  if (ring === 'z64') {
    const a = signedWords(acc);
    const b = signedWords(x);
    for (let i = 0; i < a.length; i += 2) {
      const p = a[i];
      const q = b[i];
      const s = (p + q) | 0;
      a[i] = s;
      a[i + 1] = (a[i + 1] + b[i + 1] + (((p & q) | ((p | q) & ~s)) >>> 31)) | 0; // carry out of the low word
    }
    return;
  }
  const a = words(acc);
  const b = words(x);
  if (ring === 'f128') {
    checkF128(a);
    checkF128(b);
    for (let i = 0; i < a.length; i += 4) addF128(a, i, b[i], b[i + 1], b[i + 2], b[i + 3]);
    return;
  }
  checkP61(a);
  checkP61(b);
  for (let i = 0; i < a.length; i += 2) addP61(a, i, b[i], b[i + 1]);
}

/** acc −= x in the ring. */
export function subInto(acc: Vec, x: Vec, ring: Ring): void {
  sameLength(acc, x);
  if (ring === 'z64') {
    const a = signedWords(acc);
    const b = signedWords(x);
    for (let i = 0; i < a.length; i += 2) {
      const p = a[i];
      const q = b[i];
      const s = (p - q) | 0;
      a[i] = s;
      a[i + 1] = (a[i + 1] - b[i + 1] - (((~p & q) | (~(p ^ q) & s)) >>> 31)) | 0; // borrow out of the low word
    }
    return;
  }
  const a = words(acc);
  const b = words(x);
  if (ring === 'f128') {
    checkF128(a);
    checkF128(b);
    for (let i = 0; i < a.length; i += 4) subF128(a, i, b[i], b[i + 1], b[i + 2], b[i + 3]);
    return;
  }
  checkP61(a);
  checkP61(b);
  // acc + (P − x): P's low word is all ones, so P − x needs no borrow.
  for (let i = 0; i < a.length; i += 2) addP61(a, i, 0xffffffff - b[i], P_HI - b[i + 1]);
}

// a[i..i+1] ← (a + (hi, lo)) mod P for operands ≤ P: the sum is below 2^62, and
// 2^61 ≡ 1 folds its top bit back in; the folded value is at most P, which maps to 0.
function addP61(a: Uint32Array, i: number, lo: number, hi: number): void {
  let l = a[i] + lo;
  let h = a[i + 1] + hi;
  if (l >= TWO32) {
    l -= TWO32;
    h += 1;
  }
  const top = h >>> 29;
  h &= P_HI;
  l += top;
  if (l >= TWO32) {
    l -= TWO32;
    h += 1;
  }
  if (h === P_HI && l === 0xffffffff) h = l = 0;
  a[i] = l;
  a[i + 1] = h;
}

// a[i..i+3] ← (a + b) mod P128 for operands below P128. The sum is below 2·P128 < 2^129:
// subtract P128 when it carries out of 2^128 or is at least P128, i.e. add 2^128 − P128 =
// (0, 0x1b, 0xffffffff, 0xffffffff) and drop the carry.
function addF128(a: Uint32Array, i: number, b0: number, b1: number, b2: number, b3: number): void {
  let s0 = a[i] + b0;
  let s1 = a[i + 1] + b1 + (s0 >= TWO32 ? 1 : 0);
  let s2 = a[i + 2] + b2 + (s1 >= TWO32 ? 1 : 0);
  let s3 = a[i + 3] + b3 + (s2 >= TWO32 ? 1 : 0);
  s0 >>>= 0;
  s1 >>>= 0;
  s2 >>>= 0;
  const carry = s3 >= TWO32;
  s3 >>>= 0;
  if (carry || s3 > Q3 || (s3 === Q3 && (s2 > Q2 || (s2 === Q2 && (s1 > 0 || s0 >= 1))))) {
    const t0 = s0 + 0xffffffff;
    const t1 = s1 + 0xffffffff + (t0 >= TWO32 ? 1 : 0);
    const t2 = s2 + 0x1b + (t1 >= TWO32 ? 1 : 0);
    s3 = (s3 + (t2 >= TWO32 ? 1 : 0)) >>> 0;
    s0 = t0 >>> 0;
    s1 = t1 >>> 0;
    s2 = t2 >>> 0;
  }
  a[i] = s0;
  a[i + 1] = s1;
  a[i + 2] = s2;
  a[i + 3] = s3;
}

// a[i..i+3] ← (a − b) mod P128 for operands below P128: on a borrow out of 2^128, add P128 back.
function subF128(a: Uint32Array, i: number, b0: number, b1: number, b2: number, b3: number): void {
  let d0 = a[i] - b0;
  let d1 = a[i + 1] - b1 - (d0 < 0 ? 1 : 0);
  let d2 = a[i + 2] - b2 - (d1 < 0 ? 1 : 0);
  let d3 = a[i + 3] - b3 - (d2 < 0 ? 1 : 0);
  if (d3 < 0) {
    // + P128 = (0xffffffff, 0xffffffe4, 0, 1), most significant first; the carry out cancels the borrow.
    d0 = (d0 >>> 0) + 1;
    d1 = (d1 >>> 0) + (d0 >= TWO32 ? 1 : 0);
    d2 = (d2 >>> 0) + Q2 + (d1 >= TWO32 ? 1 : 0);
    d3 = (d3 >>> 0) + Q3 + (d2 >= TWO32 ? 1 : 0);
  }
  a[i] = d0 >>> 0;
  a[i + 1] = d1 >>> 0;
  a[i + 2] = d2 >>> 0;
  a[i + 3] = d3 >>> 0;
}

/** f128 elements (each below P128) → their vector, two words each. */
export function f128FromBigints(xs: readonly bigint[]): Vec {
  const v = zeros(2 * xs.length);
  xs.forEach((x, i) => {
    v[2 * i] = BigInt.asUintN(64, x);
    v[2 * i + 1] = x >> 64n;
  });
  return v;
}

/** An f128 vector → its elements as bigints. */
export function f128ToBigints(v: Vec): bigint[] {
  checkF128(words(v));
  const out = new Array<bigint>(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = v[2 * i] | (v[2 * i + 1] << 64n);
  return out;
}

/** Maps a signed z64 value (two's complement) into GF(P61); throws when it does not fit. */
export function z64ToP61Into(out: Vec, v: Vec): void {
  sameLength(out, v);
  const o = words(out);
  const w = words(v);
  for (let i = 0; i < w.length; i += 2) {
    const lo = w[i];
    const hi = w[i + 1];
    if (hi < 0x10000000) {
      o[i] = lo; // 0 ≤ v < 2^60
      o[i + 1] = hi;
    } else if (hi >= 0xf0000000 && !(hi === 0xf0000000 && lo === 0)) {
      // v = −m with 0 < m < 2^60: the field element is P − m.
      const mlo = (TWO32 - lo) % TWO32;
      const mhi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
      o[i] = 0xffffffff - mlo;
      o[i + 1] = P_HI - mhi;
    } else {
      throw new ProtocolError('overflow', `element ${i / 2} does not fit the signed range of GF(2^61 − 1)`);
    }
  }
}

/** Maps field elements back to signed z64 (two's complement), centring them first. */
export function p61ToZ64Into(out: Vec, f: Vec): void {
  sameLength(out, f);
  checkP61(words(f));
  const o = words(out);
  const w = words(f);
  for (let i = 0; i < w.length; i += 2) {
    let lo = w[i];
    let hi = w[i + 1];
    if (hi === P_HI && lo === 0xffffffff) hi = lo = 0;
    if (hi < 0x10000000) {
      o[i] = lo; // f ≤ (P − 1)/2 stays positive
      o[i + 1] = hi;
    } else {
      // f − P = −m with m = P − f; store −m in two's complement.
      const mlo = 0xffffffff - lo;
      const mhi = P_HI - hi;
      o[i] = (TWO32 - mlo) % TWO32;
      o[i + 1] = (~mhi + (mlo === 0 ? 1 : 0)) >>> 0;
    }
  }
}

/** Reads each element as a signed integer: two's complement for z64, centred for p61 and f128. */
export function toSigned(v: Vec, ring: Ring): bigint[] {
  if (ring === 'f128') return f128ToBigints(v).map((e) => (e > P128 / 2n ? e - P128 : e));
  const out = new Array<bigint>(v.length);
  for (let i = 0; i < v.length; i++) {
    if (ring === 'z64') {
      out[i] = BigInt.asIntN(64, v[i]);
    } else {
      const e = v[i] % P61;
      out[i] = e > P61 / 2n ? e - P61 : e;
    }
  }
  return out;
}

/** Little-endian bytes, 8 per element; a copy. */
export function vecToBytes(v: Vec): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** The same bytes without a copy (aliases v): for immediate use, e.g. sealing a share. */
export function vecView(v: Vec): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

export function bytesToVec(b: Uint8Array): Vec {
  if (b.length % 8 !== 0) {
    throw new ProtocolError('bad-input', `a vector needs a multiple of 8 bytes, got ${b.length}`);
  }
  if (b.byteOffset % 8 === 0) return new BigUint64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new BigUint64Array(copy.buffer);
}
