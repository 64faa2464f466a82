// Noise without a trusted party. In a differentially private query each root position adds
// its own integer noise, drawn from the calibrated distribution (noise-scale.ts), to its
// partial sum before sealing it to the querier; the querier reconstructs Σ shares +
// Σ noises and never holds a value without noise, nor does anyone else.
//
// Calibration and proof sketch. Let S be the exact summed vector and η_1 … η_k the root
// positions' noises, independent. Each η_i alone is calibrated so that S + η_i is
// (ε, δ)-DP with respect to one person's data (sensitivity.ts). Any coalition that excludes
// one honest root member i — the querier and the other k − 1 root members together — sees
// at most S + η_i + (the other noises, which it knows) and the shares it holds, which are
// uniform and independent of S (additive sharing); subtracting what it knows is
// post-processing of S + η_i, so its view is (ε, δ)-DP. An honest querier publishes S + Σ η_i,
// k times the variance one member's noise needs: the price of trusting no single member.
//
// Releases. Two noisy releases of overlapping contributors are two uses of ε: with fresh
// noise their average halves the noise's variance, and with the same noise their
// difference is exact. So every root position must release exactly one sum. Strategies
// that stay (a root position re-sends corrected versions) or replace (a backup takes over a
// root position whose holder may already have sent its sum, and sends its own) are refused,
// and so is Shamir sharing: the querier combines Shamir shares with Lagrange coefficients λ,
// which multiply each position's noise, putting it on multiples of λ (the sum modulo λ
// stays exact) or, when λ is a fraction, spreading it over the whole field. What remains
// (LowCost, SafeAndPrompt) sends each root position's sum once; a restart re-sends the
// same bytes from the saved state, never a fresh draw.

import type { AggregationQuery, DifferentialPrivacy, PlanParams } from '../../query-vocab/types.ts';
import { discreteGaussian, discreteLaplace } from './discrete-noise.ts';
import { ProtocolError } from './errors.ts';
import type { RunContext } from './io.ts';
import { compileLayout } from './encoding.ts';
import { calibrate, type CalibratedPart } from './noise-scale.ts';
import type { RandomSource } from './random.ts';
import type { Vec } from './ring.ts';
import { layoutOf } from './runtime.ts';
import { partsOf, underivable } from './sensitivity.ts';
import { STRATEGIES, quorum, type Strategy } from './strategy.ts';

export interface Release {
  dp: DifferentialPrivacy;
  parts: CalibratedPart[];
  /** Independent draws the reconstructed sums carry: one per root position combined. */
  terms: number;
}

const ONCE = 'LowCost or SafeAndPrompt';

/** Why a strategy cannot release differentially private sums, or null. */
export function strategyProblem(s: Strategy): string | null {
  if (s.sharing === 'shamir') {
    return `strategy ${s.name} combines the root's Shamir shares with Lagrange coefficients, which multiply each position's noise (onto multiples of the coefficient, leaving the sum modulo it exact, or over the whole field when it is a fraction); a differentially private query needs additive sharing: ${ONCE}`;
  }
  if (s.standby === 'stay') {
    return `strategy ${s.name} lets a root position re-send corrected sums, and every noisy release of overlapping contributors spends ε again (their average sheds noise); a differentially private query needs root positions that release one sum each: ${ONCE}`;
  }
  if (s.handling === 'replace') {
    return `strategy ${s.name} gives a failed root member's position to a backup, which releases its own noisy sum of the same contributors; a differentially private query needs root positions that release one sum each: ${ONCE}`;
  }
  return null;
}

const releases = new WeakMap<AggregationQuery, Map<PlanParams, Release>>();

/**
 * The release of a differentially private query under a plan, or null for an exact query.
 * Throws a ProtocolError naming what makes it impossible: a strategy that re-releases,
 * participation not hidden, a sensitivity that cannot be derived, noise beyond its range.
 */
export function releaseOf(ctx: Pick<RunContext, 'query' | 'plan'>): Release | null {
  const dp = ctx.query.differentialPrivacy;
  if (!dp) return null;
  const params = ctx.plan.params;
  let byPlan = releases.get(ctx.query);
  if (!byPlan) releases.set(ctx.query, (byPlan = new Map()));
  const known = byPlan.get(params);
  if (known) return known;
  const problem = strategyProblem(STRATEGIES[params.strategy]);
  if (problem) throw new ProtocolError('bad-input', problem);
  if (!ctx.query.hideParticipation) {
    throw new ProtocolError('bad-input', 'a differentially private query hides participation: the exact number of members who matched would be released without noise');
  }
  const release = { dp, parts: calibrate(dp, partsOf(layoutOf(ctx))), terms: quorum(params) };
  byPlan.set(params, release);
  return release;
}

/**
 * What `query check` and the publisher report about a differentially private query before
 * any plan exists, one `<node> property: sentence` each: a fixed strategy that re-releases,
 * an aggregate whose sensitivity cannot be derived, noise beyond its range.
 */
export function releaseProblems(query: AggregationQuery): string[] {
  const dp = query.differentialPrivacy;
  if (!dp) return [];
  const problems: string[] = [];
  const strategy = query.fixedParams?.strategy;
  const refused = strategy ? strategyProblem(STRATEGIES[strategy]) : null;
  if (refused) problems.push(`<${query.id}> pa:fixedParams: ${refused}`);
  for (const a of query.aggregates) {
    const why = underivable(a);
    if (why) problems.push(`<${a.id}> rdf:type: ${why}`);
  }
  if (problems.length > 0) return problems;
  try {
    calibrate(dp, partsOf(compileLayout(query.aggregates, 1, 'z64')));
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    problems.push(`<${query.id}>/dpv:hasTechnicalMeasure pa:epsilon: ${error.message}`);
  }
  return problems;
}

/** Adds one root position's noise to its sum, in place: one draw per element, from its part's scale. */
export function addNoise(sum: Vec, release: Release, random: RandomSource): void {
  for (const part of release.parts) {
    if (!part.rational) continue;
    for (const i of part.indices) {
      const noise = release.dp.mechanism === 'DiscreteLaplace' ? discreteLaplace(part.rational, random) : discreteGaussian(part.rational, random);
      sum[i] = BigInt.asUintN(64, sum[i] + noise);
    }
  }
}
