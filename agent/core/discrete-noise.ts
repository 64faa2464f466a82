// Exact samplers of integer noise, after Canonne, Kamath and Steinke, "The Discrete
// Gaussian for Differential Privacy" (2020), Algorithms 1–3: every step compares uniform
// integers drawn from the random source with exact rationals, so no floating-point
// rounding shapes the distribution (a rounded continuous sample leaks through the gaps of
// its floating-point grid). Scales are rationals n/d of BigInts; see noise-scale.ts for
// how a calibrated float becomes one.

import { ProtocolError } from './errors.ts';
import type { RandomSource } from './random.ts';

/** A non-negative rational n/d, d > 0. */
export interface Rational {
  n: bigint;
  d: bigint;
}

/** A uniform integer in [0, m), by rejection on as few random bytes as hold m − 1. */
export function uniformBelow(m: bigint, random: RandomSource): bigint {
  if (m <= 0n) throw new ProtocolError('bad-input', `no integer lies in [0, ${m})`);
  if (m === 1n) return 0n;
  const bits = (m - 1n).toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    let x = 0n;
    for (const b of random(bytes)) x = (x << 8n) | BigInt(b);
    x &= mask;
    if (x < m) return x;
  }
}

/** Bernoulli(n/d) for 0 ≤ n/d ≤ 1. */
function bernoulli(n: bigint, d: bigint, random: RandomSource): boolean {
  return uniformBelow(d, random) < n;
}

/** Bernoulli(exp(−γ)) for 0 ≤ γ ≤ 1 (Algorithm 1, first part). */
function bernoulliExpAtMostOne(g: Rational, random: RandomSource): boolean {
  let k = 1n;
  while (bernoulli(g.n, g.d * k, random)) k++;
  return k % 2n === 1n;
}

/** Bernoulli(exp(−γ)) for any γ ≥ 0 (Algorithm 1): one exp(−1) coin per whole unit of γ. */
export function bernoulliExp(g: Rational, random: RandomSource): boolean {
  let n = g.n;
  while (n > g.d) {
    if (!bernoulliExpAtMostOne({ n: 1n, d: 1n }, random)) return false;
    n -= g.d;
  }
  return bernoulliExpAtMostOne({ n, d: g.d }, random);
}

/**
 * The discrete Laplace distribution of scale t/s (Algorithm 2): P(x) ∝ exp(−|x|·s/t) on
 * the integers. A geometric draw of whole units of t and a uniform remainder make X ≥ 0
 * with P(X) ∝ exp(−X/t); X/s rounded down is geometric with ratio exp(−s/t); a fair sign,
 * with −0 rejected, makes it two-sided.
 */
export function discreteLaplace(scale: Rational, random: RandomSource): bigint {
  const t = scale.n;
  const s = scale.d;
  if (t <= 0n || s <= 0n) throw new ProtocolError('bad-input', 'a discrete Laplace scale must be positive');
  for (;;) {
    const u = uniformBelow(t, random);
    if (!bernoulliExp({ n: u, d: t }, random)) continue;
    let v = 0n;
    while (bernoulliExp({ n: 1n, d: 1n }, random)) v++;
    const y = (u + t * v) / s;
    const negative = bernoulli(1n, 2n, random);
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** ⌊√x⌋ of a non-negative BigInt (Newton's method). */
function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return r;
}

/**
 * The discrete Gaussian N_Z(0, σ²) with σ² = n/d (Algorithm 3): P(x) ∝ exp(−x²/(2σ²)) on
 * the integers, by rejection from a discrete Laplace of scale ⌊σ⌋ + 1, accepting Y with
 * probability exp(−(|Y| − σ²/t)²/(2σ²)).
 */
export function discreteGaussian(variance: Rational, random: RandomSource): bigint {
  const { n, d } = variance;
  if (n <= 0n || d <= 0n) throw new ProtocolError('bad-input', 'a discrete Gaussian variance must be positive');
  const t = isqrt(n / d) + 1n;
  for (;;) {
    const y = discreteLaplace({ n: t, d: 1n }, random);
    const a = y < 0n ? -y : y;
    // (|Y| − σ²/t)² / (2σ²) = (|Y|·d·t − n)² / (2·n·d·t²)
    const diff = a * d * t - n;
    if (bernoulliExp({ n: diff * diff, d: 2n * n * d * t * t }, random)) return y;
  }
}
