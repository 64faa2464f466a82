// A result as a few readable lines: each aggregate's value, the contributor count and the
// completeness.

import { valueVariables } from '../query-vocab/index.ts';
import type { AggregateKind, AggregateValue, AggregationQuery, AggregationResult } from '../query-vocab/types.ts';

/** Which variance a kind computes, said beside its value. */
const NOTE: Partial<Record<AggregateKind, string>> = { Variance: ' population', SampleVariance: ' sample, n − 1' };

// NaN is what a mean or variance of too few values decodes to.
const number = (x: number) => (Number.isNaN(x) ? 'undefined (too few values)' : Number.isInteger(x) ? String(x) : x.toFixed(4));

export function formatValue(v: AggregateValue): string {
  switch (v.kind) {
    case 'scalar':
      return number(v.value);
    case 'vector':
      return `[${v.values.map(number).join(', ')}]`;
    case 'histogram':
      return v.bins.map((b, i) => `[${b.lower}, ${b.upper}): ${v.counts[i]}`).join('  ');
    case 'grouped':
      return v.keys.map((k, i) => `\n      ${k}: ${formatValue(v.values[i])}`).join('');
  }
}

export function formatResult(query: AggregationQuery, result: AggregationResult): string {
  const lines = [`result   ${result.id}`];
  for (const value of result.values) {
    const spec = query.aggregates.find((a) => a.id === value.aggregate);
    const variables = spec ? valueVariables(spec) : [];
    const label = (variables.length > 0 ? `${value.kind}(${variables.join(', ')})` : value.kind) + (NOTE[value.kind] ?? '');
    lines.push(`  ${label.padEnd(24)} ${formatValue(value.value)}`);
  }
  lines.push(`  contributors ${result.contributors}, completeness ${(100 * result.completeness).toFixed(1)} %, ${((Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
