// Calibration: the noise scale of each part (sensitivity.ts) so that one root position's
// noise alone makes the whole release (ε, δ)-differentially private.
//
// The budget is split equally over the parts with a non-zero sensitivity, each part's noise
// in proportion to its own sensitivity; the parts' noises are independent, so their
// privacy losses add up:
// - discrete Laplace, pure ε-DP: part p gets t_p = Δ1_p · P / ε, and Σ_p Δ1_p / t_p = ε;
// - discrete Gaussian: with σ_p, part p is ρ_p = Δ2_p² / 2σ_p² zero-concentrated DP (CKS20,
//   Theorem 14, for integer-valued changes); σ_p = Δ2_p · √(P / 2ρ) makes Σ_p ρ_p = ρ, and
//   ρ is the largest for which ρ-zCDP implies (ε, δ)-DP by CKS20's Corollary 13:
//   δ = inf_{α > 1} exp((α − 1)(αρ − ε)) / (α − 1) · (1 − 1/α)^α.
// Scales are then rounded up to rationals of denominator 1024, the form the exact samplers
// take (discrete-noise.ts): rounding up only adds noise.

import type { DifferentialPrivacy } from '../../query-vocab/types.ts';
import type { Rational } from './discrete-noise.ts';
import { ProtocolError } from './errors.ts';
import type { Part } from './sensitivity.ts';

export interface CalibratedPart extends Part {
  /** The discrete Laplace's t or the discrete Gaussian's σ, after rounding; 0 for a part no person can move. */
  scale: number;
  /** What the sampler takes: the Laplace scale t, or the Gaussian variance σ²; null when scale is 0. */
  rational: Rational | null;
}

const DENOMINATOR = 1024;
/** Beyond this a draw may not stay an exact double (|noise| ≪ 2^53) in the far tail. */
const MAX_SCALE = 2 ** 40;

/** log δ(α) of CKS20's Corollary 13 for ρ-zCDP at ε. */
function logDelta(alpha: number, rho: number, epsilon: number): number {
  return (alpha - 1) * (alpha * rho - epsilon) - Math.log(alpha - 1) + alpha * Math.log1p(-1 / alpha);
}

/** The δ that ρ-zCDP gives at ε (CKS20 Corollary 13), minimised over α by a scan then golden sections. */
export function zcdpDelta(rho: number, epsilon: number): number {
  const f = (x: number) => logDelta(1 + Math.exp(x), rho, epsilon);
  let best = -12;
  for (let x = -12; x <= 16; x += 0.05) if (f(x) < f(best)) best = x;
  let lo = best - 0.05;
  let hi = best + 0.05;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 80; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (f(a) < f(b)) hi = b;
    else lo = a;
  }
  return Math.min(1, Math.exp(f((lo + hi) / 2)));
}

/** The largest ρ whose zCDP implies (ε, δ)-DP. */
export function rhoFor(epsilon: number, delta: number): number {
  let lo = 0;
  let hi = epsilon;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (zcdpDelta(mid, epsilon) <= delta) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The rational ≥ x with denominator 1024. */
function roundUp(x: number): Rational {
  return { n: BigInt(Math.ceil(x * DENOMINATOR)), d: BigInt(DENOMINATOR) };
}

export function calibrate(dp: DifferentialPrivacy, parts: Part[]): CalibratedPart[] {
  const gaussian = dp.mechanism === 'DiscreteGaussian';
  const moving = parts.filter((p) => (gaussian ? p.l2 : p.l1) > 0).length;
  const rho = gaussian ? rhoFor(dp.epsilon, dp.delta ?? 0) : 0;
  return parts.map((p) => {
    const sensitivity = gaussian ? p.l2 : p.l1;
    if (sensitivity === 0) return { ...p, scale: 0, rational: null };
    const wanted = gaussian ? sensitivity * Math.sqrt(moving / (2 * rho)) : (sensitivity * moving) / dp.epsilon;
    if (!(wanted <= MAX_SCALE)) {
      throw new ProtocolError('overflow', `aggregate ${p.aggregate}: its ${p.name} would need noise of scale ${wanted.toExponential(2)}, above 2^40; narrow the bounds, lower the precision or pa:maxRows, or raise ε`);
    }
    const rational = roundUp(gaussian ? wanted * wanted : wanted);
    const exact = Number(rational.n) / DENOMINATOR;
    return { ...p, scale: gaussian ? Math.sqrt(exact) : exact, rational };
  });
}
