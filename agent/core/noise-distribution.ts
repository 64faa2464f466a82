// The distribution of the noise a result carries: the sum of `terms` independent draws,
// one per root position (dp-release.ts), of the discrete Laplace or Gaussian at one scale.
// Its exact probability mass function, computed by convolution while the support is
// small, gives the tests their expected frequencies and small-scale results their
// intervals; at large scales, where the integer lattice no longer matters, the intervals
// come from the continuous limits (a sum of Laplace variables has a closed-form tail, a
// sum of Gaussians is Gaussian).

import type { NoiseMechanism } from '../../query-vocab/types.ts';

/** Probabilities of the integers offset, offset + 1, …: p[i] = P(X = offset + i). */
export interface Pmf {
  offset: number;
  p: Float64Array;
}

/** Mass left out in each tail of one draw's PMF. */
const TAIL = 1e-13;
/** Beyond this many integers on either side of one draw, the continuous limits are used. */
const EXACT_SUPPORT = 3000;

/** How far one draw's support reaches before each tail holds less than TAIL. */
function reach(mechanism: NoiseMechanism, scale: number): number {
  return Math.ceil(mechanism === 'DiscreteLaplace' ? scale * Math.log(1 / TAIL) + 1 : scale * Math.sqrt(2 * Math.log(1 / TAIL)) + 1);
}

/** One draw's PMF, cut where each tail holds less than 1e-13 and renormalised. */
export function drawPmf(mechanism: NoiseMechanism, scale: number): Pmf {
  const t = reach(mechanism, scale);
  const p = new Float64Array(2 * t + 1);
  let total = 0;
  for (let x = -t; x <= t; x++) {
    const w = mechanism === 'DiscreteLaplace' ? Math.exp(-Math.abs(x) / scale) : Math.exp(-(x * x) / (2 * scale * scale));
    p[x + t] = w;
    total += w;
  }
  for (let i = 0; i < p.length; i++) p[i] /= total;
  return { offset: -t, p };
}

function convolve(a: Pmf, b: Pmf): Pmf {
  const p = new Float64Array(a.p.length + b.p.length - 1);
  for (let i = 0; i < a.p.length; i++) {
    const x = a.p[i];
    if (x === 0) continue;
    for (let j = 0; j < b.p.length; j++) p[i + j] += x * b.p[j];
  }
  return { offset: a.offset + b.offset, p };
}

/** The PMF of the sum of `terms` independent draws. */
export function totalPmf(mechanism: NoiseMechanism, scale: number, terms: number): Pmf {
  const one = drawPmf(mechanism, scale);
  let sum = one;
  for (let i = 1; i < terms; i++) sum = convolve(sum, one);
  return sum;
}

/** erfc(x), Numerical Recipes' Chebyshev fit: relative error below 1.2e-7 everywhere. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(|Γ₁ − Γ₂| > y) for independent Gamma(k, 1) variables: the tail of a sum of k unit Laplace variables. */
function laplaceSumTail(k: number, y: number): number {
  let sum = 0;
  let iFactorial = 1;
  for (let i = 0; i < k; i++) {
    if (i > 0) iFactorial *= i;
    let binomial = 1;
    for (let m = 0; m <= i; m++) {
      if (m > 0) binomial = (binomial * (i - m + 1)) / m;
      // (k − 1 + m)! / (k − 1)!
      let rising = 1;
      for (let j = 1; j <= m; j++) rising *= k - 1 + j;
      sum += (binomial * y ** (i - m) * rising) / (iFactorial * 2 ** (k + m));
    }
  }
  return 2 * Math.exp(-y) * sum;
}

/** The least y ≥ 0 with tail(y) ≤ alpha, for a decreasing tail, by bisection. */
function solveTail(tail: (y: number) => number, alpha: number): number {
  let lo = 0;
  let hi = 1;
  while (tail(hi) > alpha) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The half-width h of the interval that holds the total noise with at least the given
 * probability: P(|noise| ≤ h) ≥ confidence. An integer at small scales (exact), a float
 * from the continuous limit at large ones.
 */
export function noiseHalfWidth(mechanism: NoiseMechanism, scale: number, terms: number, confidence: number): number {
  const alpha = 1 - confidence;
  if (reach(mechanism, scale) <= EXACT_SUPPORT) {
    const { offset, p } = totalPmf(mechanism, scale, terms);
    const centre = -offset;
    let inside = p[centre];
    let h = 0;
    while (inside < confidence && h < centre) {
      h++;
      inside += p[centre - h] + p[centre + h];
    }
    return h;
  }
  if (mechanism === 'DiscreteGaussian') {
    const sd = scale * Math.sqrt(terms);
    return sd * solveTail((z) => erfc(z / Math.SQRT2), alpha);
  }
  return scale * solveTail((y) => laplaceSumTail(terms, y), alpha);
}
