// A result as a few readable lines: each aggregate's value, the contributor count and the
// completeness; for a differentially private result, each value's 95 % interval, the
// noise each statistic carries and how it was released.

import { valueVariables } from '../query-vocab/index.ts';
import type { AggregateKind, AggregateValue, AggregationQuery, AggregationResult, NoisePart, PrivacyRelease } from '../query-vocab/types.ts';

/** Which variance a kind computes, said beside its value. */
const NOTE: Partial<Record<AggregateKind, string>> = { Variance: ' population', SampleVariance: ' sample, n − 1' };

// NaN is what a mean or variance of too few values decodes to.
const number = (x: number) => (Number.isNaN(x) ? 'undefined (too few values)' : Number.isInteger(x) ? String(x) : x.toFixed(4));
const bound = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ''));
const range = (lo: number, hi: number) => ` [${bound(lo)}, ${bound(hi)}]`;

interface Interval {
  lower: AggregateValue;
  upper: AggregateValue;
}

/** The value, each number followed by its interval when it has one. */
export function formatValue(v: AggregateValue, interval?: Interval): string {
  const lo = interval?.lower;
  const hi = interval?.upper;
  switch (v.kind) {
    case 'scalar':
      return number(v.value) + (lo?.kind === 'scalar' && hi?.kind === 'scalar' ? range(lo.value, hi.value) : '');
    case 'vector':
      return `[${v.values.map((x, i) => number(x) + (lo?.kind === 'vector' && hi?.kind === 'vector' ? range(lo.values[i], hi.values[i]) : '')).join(', ')}]`;
    case 'histogram':
      return v.bins.map((b, i) => `[${b.lower}, ${b.upper}): ${number(v.counts[i])}${lo?.kind === 'histogram' && hi?.kind === 'histogram' ? range(lo.counts[i], hi.counts[i]) : ''}`).join('  ');
    case 'grouped':
      return v.keys
        .map((k, i) => `\n      ${k}: ${formatValue(v.values[i], lo?.kind === 'grouped' && hi?.kind === 'grouped' ? { lower: lo.values[i], upper: hi.values[i] } : undefined)}`)
        .join('');
  }
}

const MECHANISMS = { DiscreteGaussian: 'discrete Gaussian', DiscreteLaplace: 'discrete Laplace' } as const;

function release(p: PrivacyRelease): string {
  const params = `ε ${p.epsilon}${p.delta === undefined ? '' : `, δ ${p.delta}`}`;
  const clamp = p.clampNegativeCounts ? 'negative counts published as 0' : 'counts not clamped';
  return `${MECHANISMS[p.mechanism]} noise, ${params}; ${p.noiseTerms} draws in each sum (one per root position); ${clamp}; intervals at ${Math.round(p.confidence * 100)} %`;
}

function noise(parts: NoisePart[], mechanism: PrivacyRelease['mechanism']): string {
  const scale = mechanism === 'DiscreteGaussian' ? 'σ' : 'scale';
  return parts.map((n) => `${n.statistic} ${scale} ${bound(n.scale)} (sensitivity ${bound(n.sensitivity)})`).join(', ');
}

export function formatResult(query: AggregationQuery, result: AggregationResult): string {
  const lines = [`result   ${result.id}`];
  for (const value of result.values) {
    const spec = query.aggregates.find((a) => a.id === value.aggregate);
    const variables = spec ? valueVariables(spec) : [];
    const label = (variables.length > 0 ? `${value.kind}(${variables.join(', ')})` : value.kind) + (NOTE[value.kind] ?? '');
    lines.push(`  ${label.padEnd(24)} ${formatValue(value.value, value.interval)}`);
    if (result.privacy && value.noise) lines.push(`  ${''.padEnd(24)} noise: ${noise(value.noise, result.privacy.mechanism)}`);
  }
  if (result.privacy) lines.push(`  differentially private: ${release(result.privacy)}`);
  lines.push(`  contributors ${result.contributors}, completeness ${(100 * result.completeness).toFixed(1)} %, ${((Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000).toFixed(1)} s`);
  if (result.rejected !== undefined) lines.push(`  ${rejectedText(result.rejected)}`);
  return lines.join('\n');
}

/** What a validated query's result says of the contributions its leaves refused. */
export function rejectedText(rejected: number): string {
  return `validated: ${rejected} contribution${rejected === 1 ? '' : 's'} rejected as invalid`;
}
