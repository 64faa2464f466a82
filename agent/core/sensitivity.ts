// How much one person can move the summed vector, derived from what the query declares:
// each aggregate's clipping bounds and precision, its unit and pa:maxRows, its histogram
// bins and group-by keys. Never declared: a querier who could declare it could declare it
// small.
//
// The neighbouring relation: two populations differ in one person's data, anything from
// no matching row to the most rows and the widest values the bounds allow. A differentially
// private query hides participation (every consenting member contributes, zeros when it
// matches nothing), so the contributor count depends on consent, never on data.
//
// The vector is cut into parts, one per statistic of an aggregate across all its keys (a
// mean's sum of values and its count, a histogram's bins, …), because their magnitudes
// differ by orders (a count moves by 1 where a sum of steps moves by 50 000): each part gets
// noise in proportion to its own sensitivity (noise-scale.ts).

import type { AggregateSpec } from '../../query-vocab/types.ts';
import type { Block, Layout } from './encoding.ts';
import { ProtocolError } from './errors.ts';

/** Which statistic of an aggregate a part sums: values, squared values, or counts (rows, people, bins). */
export type PartName = 'sum' | 'squares' | 'count';

export interface Part {
  aggregate: string;
  name: PartName;
  /** Elements of the vector this part covers. */
  indices: number[];
  /** The most one person moves these elements, in fixed-point units: summed absolute changes, and their Euclidean length. */
  l1: number;
  l2: number;
}

/** Rows one person adds to each key's block: maxRows, or 1 when each person counts once. */
function rowsOf(spec: AggregateSpec): number {
  return spec.unit === 'people' ? 1 : (spec.maxRows ?? 1000);
}

/** The range one person's Σe and Σe² cover: from no rows (0) to m rows at either bound. */
function valueRanges(spec: { lower: number; upper: number }, scale: number, m: number): { sum: number; squares: number } {
  const lo = Math.round(spec.lower * scale);
  const hi = Math.round(spec.upper * scale);
  return { sum: Math.max(0, m * hi) - Math.min(0, m * lo), squares: m * Math.max(lo * lo, hi * hi) };
}

/** One statistic of one key's block: its elements and how far one person moves them. */
interface Statistic {
  name: PartName;
  /** Offsets inside the block. */
  at: number[];
  l1: number;
  l2: number;
}

function statistics(block: Block): Statistic[] {
  const spec = block.aggregate;
  const m = rowsOf(spec);
  const one = (name: PartName, at: number, range: number): Statistic => ({ name, at: [at], l1: range, l2: range });
  switch (spec.kind) {
    case 'Count':
      return [one('count', 0, m)];
    case 'Sum':
      return [one('sum', 0, valueRanges(spec, block.scale, m).sum)];
    case 'Mean':
      return [one('sum', 0, valueRanges(spec, block.scale, m).sum), one('count', 1, m)];
    case 'Variance':
    case 'SampleVariance': {
      const r = valueRanges(spec, block.scale, m);
      return [one('sum', 0, r.sum), one('squares', 1, r.squares), one('count', 2, m)];
    }
    case 'Histogram': {
      // m rows land in the bins: moving them all from one bin to another changes two.
      const bins = spec.bins.map((_, i) => i);
      return [{ name: 'count', at: bins, l1: bins.length > 1 ? 2 * m : m, l2: bins.length > 1 ? Math.SQRT2 * m : m }];
    }
    case 'VectorSum': {
      const d = spec.variables.length;
      const r = valueRanges(spec, block.scale, m).sum;
      return [{ name: 'sum', at: spec.variables.map((_, i) => i), l1: d * r, l2: Math.sqrt(d) * r }, one('count', d, m)];
    }
    case 'Training':
    case 'Evaluation':
      throw new ProtocolError('bad-input', `aggregate ${spec.id}: ${UNDERIVED}`);
  }
}

const UNDERIVED = 'the sensitivity of a model update (pa:Training, pa:Evaluation) is not derived, so it cannot be released with differential privacy';

/** Why no sensitivity can be derived for an aggregate, or null. */
export function underivable(spec: AggregateSpec): string | null {
  return spec.kind === 'Training' || spec.kind === 'Evaluation' ? UNDERIVED : null;
}

/** Every part of the layout with its indices and sensitivities; a grouped aggregate's person may move every key. */
export function partsOf(layout: Layout): Part[] {
  const parts: Part[] = [];
  for (const block of layout.blocks) {
    const keys = block.groupBy?.keys.length ?? 1;
    for (const s of statistics(block)) {
      const indices: number[] = [];
      for (let k = 0; k < keys; k++) for (const a of s.at) indices.push(block.offset + k * block.width + a);
      parts.push({ aggregate: block.aggregate.id, name: s.name, indices, l1: keys * s.l1, l2: Math.sqrt(keys) * s.l2 });
    }
  }
  return parts;
}
