// The SELECT variables an aggregate takes its values from.
import type { AggregateSpec } from './types.ts';

/** In order; none for a Count, which counts rows. The group-by variable is not among them. */
export function valueVariables(a: AggregateSpec): string[] {
  switch (a.kind) {
    case 'Count':
      return [];
    case 'VectorSum':
      return a.variables;
    case 'Sum':
    case 'Mean':
    case 'Variance':
    case 'SampleVariance':
    case 'Histogram':
      return [a.variable];
  }
}
