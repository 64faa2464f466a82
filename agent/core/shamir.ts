// Threshold t-of-k sharing (Shamir) over GF(2^61 − 1), so a group survives k − t failed
// members. Share i is a random degree-(t − 1) polynomial evaluated at i + 1, element by
// element; the secret is its value at 0. Shares sum element-wise in ring 'p61', and the
// sum of shares is a share of the sum. Field arithmetic runs on 32-bit word pairs: the
// multipliers used here (evaluation points, 16-bit limbs) keep every product exact in a
// double, so no BigInt touches the vectors.

import { ProtocolError } from './errors.ts';
import type { RandomSource } from './random.ts';
import { P61, assertInRing, p61ToZ64Into, z64ToP61Into, zeros, type Vec } from './ring.ts';
import { randomVec } from './shares.ts';

const TWO32 = 0x100000000;
const TWO29 = 0x20000000;
const P_HI = 0x1fffffff;
const MAX_SHARES = 0xffff; // evaluation points must stay below 2^16

// Result registers of mulAdd (module-level to avoid allocating per element).
let rh = 0;
let rl = 0;

// (rh, rl) ← (h, l)·s + (ah, al) mod P, for operands ≤ P and 0 ≤ s ≤ 2^16. The result is
// ≤ P (P itself stands for 0 until stored).
function mulAdd(h: number, l: number, s: number, ah: number, al: number): void {
  let L = l * s + al; // < 2^48 + 2^32
  let H = h * s + ah; // < 2^45 + 2^29
  const c = (L / TWO32) >>> 0; // floor: the quotient is below 2^17
  L -= c * TWO32;
  H += c;
  const top = (H / TWO29) >>> 0; // 2^61 ≡ 1: fold the bits above 2^61 back in
  H -= top * TWO29;
  L += top;
  if (L >= TWO32) {
    L -= TWO32;
    H += 1;
  }
  if (H === TWO29) {
    H = 0;
    L += 1;
  }
  rh = H;
  rl = L;
}

function words(v: Vec): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
}

function store(w: Uint32Array, i: number, h: number, l: number): void {
  if (h === P_HI && l === 0xffffffff) h = l = 0;
  w[i] = l;
  w[i + 1] = h;
}

export function splitShamir(x: Vec, k: number, t: number, random: RandomSource): Vec[] {
  if (!Number.isInteger(k) || !Number.isInteger(t) || t < 1 || t > k || k > MAX_SHARES) {
    throw new ProtocolError('bad-input', `cannot split ${t}-of-${k}`);
  }
  const n = x.length;
  const secret = zeros(n);
  z64ToP61Into(secret, x);
  // Coefficients c_0 = secret, c_1..c_{t−1} uniform below 2^61 (P and 0 both mean 0: a
  // 2^−61 bias, negligible).
  const c: Uint32Array[] = [words(secret)];
  for (let j = 1; j < t; j++) {
    const r = words(randomVec(n, random));
    for (let i = 1; i < r.length; i += 2) r[i] &= P_HI;
    c.push(r);
  }
  const shares: Vec[] = [];
  for (let s = 1; s <= k; s++) {
    const out = zeros(n);
    const o = words(out);
    for (let i = 0; i < 2 * n; i += 2) {
      rh = c[t - 1][i + 1];
      rl = c[t - 1][i];
      for (let j = t - 2; j >= 0; j--) mulAdd(rh, rl, s, c[j][i + 1], c[j][i]);
      store(o, i, rh, rl);
    }
    shares.push(out);
  }
  return shares;
}

function inverse(a: bigint): bigint {
  // Fermat: a^(P − 2).
  let r = 1n;
  let b = ((a % P61) + P61) % P61;
  for (let e = P61 - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P61;
    b = (b * b) % P61;
  }
  return r;
}

/** Lagrange interpolation at 0 from any t shares; the result is signed z64. */
export function combineShamir(shares: Array<{ index: number; share: Vec }>, t: number): Vec {
  const byIndex = new Map<number, Vec>();
  for (const { index, share } of shares) {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_SHARES) {
      throw new ProtocolError('bad-input', `share index ${index} is out of range`);
    }
    if (!byIndex.has(index)) byIndex.set(index, share);
  }
  if (!Number.isInteger(t) || t < 1 || byIndex.size < t) {
    throw new ProtocolError('bad-input', `need ${t} distinct shares, got ${byIndex.size}`);
  }
  const used = [...byIndex.entries()].slice(0, t);
  const n = used[0][1].length;
  const acc = zeros(n);
  const a = words(acc);
  for (const [index, share] of used) {
    if (share.length !== n) throw new ProtocolError('bad-input', 'shares have different lengths');
    assertInRing(share, 'p61');
    // λ = Π_{m ≠ j} x_m / (x_m − x_j), split into 16-bit limbs for mulAdd.
    const xj = BigInt(index + 1);
    let num = 1n;
    let den = 1n;
    for (const [other] of used) {
      if (other === index) continue;
      const xm = BigInt(other + 1);
      num = (num * xm) % P61;
      den = (((den * (xm - xj)) % P61) + P61) % P61;
    }
    const lambda = (num * inverse(den)) % P61;
    const limbs = [0, 16, 32, 48].map((b) => Number((lambda >> BigInt(b)) & 0xffffn));
    const w = words(share);
    for (let i = 0; i < 2 * n; i += 2) {
      const h = w[i + 1];
      const l = w[i];
      // y·λ by Horner over the limbs: ((y·λ3·2^16 + y·λ2)·2^16 + y·λ1)·2^16 + y·λ0.
      mulAdd(h, l, limbs[3], 0, 0);
      for (let b = 2; b >= 0; b--) {
        const yh = rh;
        const yl = rl;
        mulAdd(h, l, limbs[b], 0, 0);
        mulAdd(yh, yl, 0x10000, rh, rl);
      }
      mulAdd(rh, rl, 1, a[i + 1], a[i]);
      store(a, i, rh, rl);
    }
  }
  const out = zeros(n);
  p61ToZ64Into(out, acc);
  return out;
}
