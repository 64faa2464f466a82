// What the querier publishes from noisy sums: the values (counts clamped at 0 when the query
// asks), each value's statistics with their sensitivity and noise scale, and an interval
// that holds the value without noise with probability at least 95 %. All of it is
// post-processing of the noisy sums, so it costs no privacy.
//
// Intervals. Each noisy element is the true one plus the sum of `terms` draws of its part's
// noise, whose quantiles noise-distribution.ts computes. A count, a sum or a bin is one
// element: its interval is the element ± that quantile. A mean, a vector element and a
// variance combine 2 or 3 elements: each is taken at confidence 1 − 0.05/m (Bonferroni, so
// all m hold together with 95 %), and the value's interval is its range over that box,
// found at the corners and at the interior points where it turns. Public facts narrow
// them: a count is ≥ 0, a mean lies within its clipping bounds, a variance within a
// quarter of their squared width.

import type { AggregateSpec, AggregateValue, NoiseMechanism, NoisePart, PrivacyRelease, ResultValue } from '../../query-vocab/types.ts';
import type { Release } from './dp-release.ts';
import { decode, type Block, type Layout } from './encoding.ts';
import { noiseHalfWidth } from './noise-distribution.ts';
import type { CalibratedPart } from './noise-scale.ts';
import { toSigned, type Vec } from './ring.ts';

const CONFIDENCE = 0.95;

type Range = [number, number];

/** Half-widths already computed, by mechanism, scale, terms and confidence: a large exact one takes a convolution. */
const known = new Map<string, number>();

/** Half-widths by element, at the confidence a value combining `m` elements takes each at. */
class Widths {
  private readonly partOf = new Map<number, CalibratedPart>();
  constructor(
    parts: CalibratedPart[],
    private readonly mechanism: NoiseMechanism,
    private readonly terms: number,
  ) {
    for (const p of parts) for (const i of p.indices) this.partOf.set(i, p);
  }
  at(index: number, m: number): number {
    const scale = this.partOf.get(index)?.scale ?? 0;
    if (scale === 0) return 0;
    const key = `${this.mechanism} ${scale} ${this.terms} ${m}`;
    let h = known.get(key);
    if (h === undefined) known.set(key, (h = noiseHalfWidth(this.mechanism, scale, this.terms, 1 - (1 - CONFIDENCE) / m)));
    return h;
  }
}

const count = (x: number, h: number): Range => [Math.max(0, x - h), Math.max(0, x + h)];
const box = ([lo, hi]: Range, limit: Range): Range => [Math.max(limit[0], Math.min(lo, limit[1])), Math.min(limit[1], Math.max(hi, limit[0]))];

/** The range of n/d over n ∈ [n ± hn], d ∈ [d ± hd] with d > 0 throughout; null when d may reach 0. */
function ratio(n: number, hn: number, d: number, hd: number): Range | null {
  if (d - hd <= 0) return null;
  const corners = [(n - hn) / (d - hd), (n - hn) / (d + hd), (n + hn) / (d - hd), (n + hn) / (d + hd)];
  return [Math.min(...corners), Math.max(...corners)];
}

/**
 * The range of the (sample) variance (n·s2 − s1²) / (n·(n − c)), c = 0 or 1, over the box.
 * It grows with s2 and shrinks with |s1|; in n it turns only where its derivative vanishes.
 */
function varianceRange(s1: Range, s2: Range, n: Range, sample: boolean): Range | null {
  const c = sample ? 1 : 0;
  if (n[0] <= c) return null;
  const f = (a: number, b: number, m: number) => (m * b - a * a) / (m * (m - c));
  const nearest = s1[0] <= 0 && s1[1] >= 0 ? 0 : Math.min(Math.abs(s1[0]), Math.abs(s1[1]));
  const farthest = Math.max(Math.abs(s1[0]), Math.abs(s1[1]));
  const turns = (a: number, b: number): number[] => {
    // d/dm f = 0: population: m = 2a²/b; sample: b·m² − 2a²·m + a² = 0.
    if (b === 0) return [];
    if (!sample) return [(2 * a * a) / b];
    const disc = a ** 4 - b * a * a;
    return disc < 0 ? [] : [(a * a - Math.sqrt(disc)) / b, (a * a + Math.sqrt(disc)) / b];
  };
  const over = (a: number, b: number) => [n[0], n[1], ...turns(a, b).filter((m) => m > n[0] && m < n[1])].map((m) => f(a, b, m));
  return [Math.min(...over(farthest, s2[0])), Math.max(...over(nearest, s2[1]))];
}

/** One key's value interval, from its block's noisy elements (raw, before clamping). */
function blockInterval(block: Block, at: number, raw: number[], w: Widths): { lower: AggregateValue; upper: AggregateValue } {
  const spec = block.aggregate;
  const s = block.scale;
  const scalar = ([lower, upper]: Range) => ({ lower: { kind: 'scalar' as const, value: lower }, upper: { kind: 'scalar' as const, value: upper } });
  const x = (i: number) => raw[at + i];
  const h = (i: number, m: number) => w.at(at + i, m);
  switch (spec.kind) {
    case 'Count':
      return scalar(count(x(0), h(0, 1)));
    case 'Sum':
      return scalar([(x(0) - h(0, 1)) / s, (x(0) + h(0, 1)) / s]);
    case 'Mean': {
      const r = ratio(x(0), h(0, 2), x(1), h(1, 2));
      return scalar(r ? box([r[0] / s, r[1] / s], [spec.lower, spec.upper]) : [spec.lower, spec.upper]);
    }
    case 'Variance':
    case 'SampleVariance': {
      const sample = spec.kind === 'SampleVariance';
      const most = (((spec.upper - spec.lower) / 2) ** 2) * (sample ? 2 : 1);
      const r = varianceRange([x(0) - h(0, 3), x(0) + h(0, 3)], [x(1) - h(1, 3), x(1) + h(1, 3)], [x(2) - h(2, 3), x(2) + h(2, 3)], sample);
      return scalar(r ? box([r[0] / (s * s), r[1] / (s * s)], [0, most]) : [0, most]);
    }
    case 'Histogram': {
      const bounds = spec.bins.map((_, i) => count(x(i), h(i, 1)));
      const bins = spec.bins.map((b) => ({ ...b }));
      return { lower: { kind: 'histogram', bins, counts: bounds.map((b) => b[0]) }, upper: { kind: 'histogram', bins, counts: bounds.map((b) => b[1]) } };
    }
    case 'VectorSum': {
      const d = spec.variables.length;
      const bounds = spec.variables.map((_, j) => {
        const r = ratio(x(j), h(j, 2), x(d), h(d, 2));
        return r ? box([r[0] / s, r[1] / s], [spec.lower, spec.upper]) : ([spec.lower, spec.upper] as Range);
      });
      return { lower: { kind: 'vector', values: bounds.map((b) => b[0]) }, upper: { kind: 'vector', values: bounds.map((b) => b[1]) } };
    }
    case 'Training':
    case 'Evaluation':
      throw new Error(`a ${spec.kind} is never released with noise (sensitivity.ts)`);
  }
}

function intervalOf(block: Block, raw: number[], w: Widths): { lower: AggregateValue; upper: AggregateValue } {
  const keys = block.groupBy?.keys;
  if (!keys) return blockInterval(block, block.offset, raw, w);
  const each = keys.map((_, k) => blockInterval(block, block.offset + k * block.width, raw, w));
  return {
    lower: { kind: 'grouped', keys: [...keys], values: each.map((i) => i.lower) },
    upper: { kind: 'grouped', keys: [...keys], values: each.map((i) => i.upper) },
  };
}

function noiseOf(spec: AggregateSpec, release: Release): NoisePart[] {
  const gaussian = release.dp.mechanism === 'DiscreteGaussian';
  return release.parts.filter((p) => p.aggregate === spec.id).map((p) => ({ statistic: p.name, sensitivity: gaussian ? p.l2 : p.l1, scale: p.scale }));
}

/** The values, intervals and release record a differentially private result publishes from the reconstructed sum. */
export function releaseResult(layout: Layout, sum: Vec, release: Release): { values: ResultValue[]; privacy: PrivacyRelease } {
  const signed = toSigned(sum, 'z64');
  const raw = signed.map(Number);
  if (release.dp.clampNegativeCounts) {
    for (const p of release.parts) if (p.name === 'count') for (const i of p.indices) if (signed[i] < 0n) signed[i] = 0n;
  }
  const clamped = BigUint64Array.from(signed, (x) => BigInt.asUintN(64, x));
  const widths = new Widths(release.parts, release.dp.mechanism, release.terms);
  const values = decode(layout, clamped).map((v, i) => {
    const block = layout.blocks[i];
    return { ...v, interval: intervalOf(block, raw, widths), noise: noiseOf(block.aggregate, release) };
  });
  return { values, privacy: { ...release.dp, noiseTerms: release.terms, confidence: CONFIDENCE } };
}
