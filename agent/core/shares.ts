// Additive n-of-n sharing over Z_{2^64}: k − 1 shares are uniform random vectors and the
// last is x minus their sum, so any k − 1 shares are independent of x.

import { ProtocolError } from './errors.ts';
import type { RandomSource } from './random.ts';
import { addInto, subInto, zeros, type Ring, type Vec } from './ring.ts';

/** A uniform random vector of n elements. */
export function randomVec(n: number, random: RandomSource): Vec {
  const b = random(n * 8);
  if (b.byteOffset % 8 === 0 && b.length === n * 8) return new BigUint64Array(b.buffer, b.byteOffset, n);
  const copy = new Uint8Array(n * 8);
  copy.set(b.subarray(0, n * 8));
  return new BigUint64Array(copy.buffer);
}

export function splitAdditive(x: Vec, k: number, random: RandomSource): Vec[] {
  if (!Number.isInteger(k) || k < 1) throw new ProtocolError('bad-input', `cannot split into ${k} shares`);
  const shares: Vec[] = [];
  const last = x.slice();
  for (let i = 0; i < k - 1; i++) {
    const r = randomVec(x.length, random);
    subInto(last, r, 'z64');
    shares.push(r);
  }
  shares.push(last);
  return shares;
}

export function combineAdditive(shares: Vec[], ring: Ring = 'z64'): Vec {
  if (shares.length === 0) throw new ProtocolError('bad-input', 'no shares to combine');
  const sum = zeros(shares[0].length);
  for (const s of shares) addInto(sum, s, ring);
  return sum;
}
