// The SELECT variables an aggregate takes its values from.
import type { AggregateSpec, Trainer } from './types.ts';

/** In order; none for a Count, which counts rows. The group-by variable is not among them. */
export function valueVariables(a: AggregateSpec): string[] {
  switch (a.kind) {
    case 'Count':
      return [];
    case 'VectorSum':
      return a.variables;
    case 'Training':
    case 'Evaluation':
      return trainerVariables(a.trainer);
    case 'Sum':
    case 'Mean':
    case 'Variance':
    case 'SampleVariance':
    case 'Histogram':
      return [a.variable];
  }
}

/** Accepts `steps`, `?steps` or `$steps` for a SELECT variable. */
export function stripMark(name: string): string {
  return name.replace(/^[?$]/, '');
}

/** The input variables a trainer reads, then its label. */
export function trainerVariables(t: Trainer): string[] {
  return [...(t.input.kind === 'tokens' ? [t.input.variable] : t.input.variables), t.label];
}
