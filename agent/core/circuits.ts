// What a validated contribution proves, per aggregate: the layout's elements cut into Prio3
// circuits, each element with the integer range [lo, hi] encodeRows can give it. The
// contributor proves each element v ∈ [lo, lo + 2^bits) with bits the bit length of hi − lo,
// a people count ∈ {0, 1}, a people histogram one-hot or all zero. Widening a range to a
// power of two lets a cheater exceed hi by less than hi − lo + 1 per contribution.

import type { AggregationQuery } from '../../query-vocab/types.ts';
import { DEFAULT_MAX_ROWS, compileLayout, type Block, type Layout } from './encoding.ts';
import { ProtocolError } from './errors.ts';
import { STRATEGIES, isThreshold } from './strategy.ts';

export type Circuit =
  /** One element ∈ {0, 1}. */
  | { kind: 'Count'; aggregate: string; offset: number }
  /** One element v, proves v − lower ∈ [0, 2^bits). */
  | { kind: 'Sum'; aggregate: string; offset: number; lower: bigint; bits: number }
  /** `length` elements, one-hot or all zero (Prio3 sees one more: "in no bin"). */
  | { kind: 'Histogram'; aggregate: string; offset: number; length: number }
  /** lower.length elements, each v_i − lower_i ∈ [0, 2^bits). */
  | { kind: 'SumVec'; aggregate: string; offset: number; lower: bigint[]; bits: number };

export interface Validation {
  layout: Layout;
  /** In layout order, covering every element exactly once. */
  circuits: Circuit[];
  /** f128 elements of an output share vector: the circuits' outputs, in order. */
  fieldLength: number;
}

/** Prio3SumVec shifts JavaScript numbers (`1 << j`), so it is wrong from 32 bits on. */
const SUMVEC_MAX_BITS = 31;

type Range = [lo: bigint, hi: bigint];

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const bitLength = (x: bigint) => Math.max(1, x.toString(2).length);

/** Elements of the layout vector the circuit covers, from its offset. */
export function elementCount(c: Circuit): number {
  return c.kind === 'Histogram' ? c.length : c.kind === 'SumVec' ? c.lower.length : 1;
}

/** Elements of the circuit's output share vector. */
export function outputLength(c: Circuit): number {
  switch (c.kind) {
    case 'Count':
    case 'Sum':
      return 1;
    case 'Histogram':
      return c.length + 1;
    case 'SumVec':
      return c.lower.length;
  }
}

// The ranges of one key's block, as encodeRows fills it. Every range holds 0: a consenting
// member without matching rows (hideParticipation) sends the all-zero vector.
function ranges(block: Block): Range[] {
  const spec = block.aggregate;
  if (spec.kind === 'Training' || spec.kind === 'Evaluation') {
    throw new ProtocolError('bad-input', `aggregate ${spec.id} (${spec.kind}): cannot be validated: its block is computed by the agent, with no range to prove`);
  }
  const rows = spec.unit === 'rows' ? BigInt(spec.maxRows ?? DEFAULT_MAX_ROWS) : 1n;
  const count: Range = [0n, rows];
  if (spec.kind === 'Count') return [count];
  if (spec.kind === 'Histogram') return spec.bins.map(() => count);
  // enc(x) = round(clip(x) · scale) is monotonic, so the bounds' encodings bound it.
  const lo = BigInt(Math.round(spec.lower * block.scale));
  const hi = BigInt(Math.round(spec.upper * block.scale));
  const sum: Range = [rows * min(0n, lo), rows * max(0n, hi)];
  const square: Range = [0n, rows * max(lo * lo, hi * hi)];
  switch (spec.kind) {
    case 'Sum':
      return [sum];
    case 'Mean':
      return [sum, count];
    case 'Variance':
    case 'SampleVariance':
      return [sum, square, count];
    case 'VectorSum':
      return [...spec.variables.map(() => sum), count];
  }
}

function circuitsOf(block: Block): Circuit[] {
  const spec = block.aggregate;
  const aggregate = spec.id;
  const keys = block.groupBy?.keys.length ?? 1;
  const people = spec.unit === 'people';
  if (spec.kind === 'Count' && people && !block.groupBy) return [{ kind: 'Count', aggregate, offset: block.offset }];
  // Each key's rows are encoded apart, so a grouped people histogram is one-hot per key.
  if (spec.kind === 'Histogram' && people) {
    return Array.from({ length: keys }, (_, i) => ({ kind: 'Histogram', aggregate, offset: block.offset + i * block.width, length: block.width }));
  }
  const perKey = ranges(block);
  const all = Array.from({ length: keys }, () => perKey).flat();
  const bits = all.map(([lo, hi]) => bitLength(hi - lo));
  const circuits: Circuit[] = [];
  // Consecutive elements of the same width share a SumVec; one width for the whole block
  // would let a cheater stretch a count of {0, 1} beside a 16-bit sum to 2^16 − 1.
  for (let i = 0; i < all.length; ) {
    let j = i + 1;
    while (j < all.length && bits[j] === bits[i]) j++;
    if (j - i === 1 || bits[i] > SUMVEC_MAX_BITS) {
      for (; i < j; i++) circuits.push({ kind: 'Sum', aggregate, offset: block.offset + i, lower: all[i][0], bits: bits[i] });
    } else {
      circuits.push({ kind: 'SumVec', aggregate, offset: block.offset + i, lower: all.slice(i, j).map(([lo]) => lo), bits: bits[i] });
    }
    i = j;
  }
  return circuits;
}

/** The circuits that validate a layout's contribution vector; throws bad-input for an aggregate that cannot be validated. */
export function validationOf(layout: Layout): Validation {
  const circuits = layout.blocks.flatMap(circuitsOf);
  return { layout, circuits, fieldLength: circuits.reduce((n, c) => n + outputLength(c), 0) };
}

export const VALIDATED_THRESHOLD = 'validated contributions need additive sharing (Prio3 input shares are additive); the Threshold strategy uses Shamir shares: choose another strategy';

/** What keeps a validated query from running, one line each (for `podagg query check`); [] when it can. */
export function validationProblems(query: AggregationQuery): string[] {
  if (!query.validated) return [];
  const strategy = query.fixedParams?.strategy;
  if (strategy && isThreshold(STRATEGIES[strategy])) return [`<${query.id}> pa:fixedParams: ${VALIDATED_THRESHOLD}`];
  try {
    validationOf(compileLayout(query.aggregates, 1, 'z64'));
    return [];
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return [`<${query.id}> pa:validateContributions: ${error.message}`];
  }
}
