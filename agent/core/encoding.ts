// Every aggregate compiles to a fixed-length block of integers summed element-wise:
//   Count → [n]            Sum → [Σ e]         Mean → [Σ e, n]     (Sample)Variance → [Σ e, Σ e², n]
//   Histogram → one count per declared bin     VectorSum → [Σ e_1 … Σ e_d, n]
//   GROUP BY → the block repeated once per declared key.
//   Training, Evaluation → the block the agent computed (model-update.ts), added as it is.
// e = enc(x) = round(clip(x, lower, upper) · 10^precision), and e² is the square of that
// integer, so decoding is exact over the encoded values. With unit 'rows' every row adds
// (at most maxRows per contributor); with unit 'people' a contributor's clipped values are
// averaged first and it adds one (n = 1). Rows whose variable is unbound or not a finite
// number are skipped. The vector is signed z64 (two's complement) whatever the layout's
// ring; the ring only sets the overflow bound and how aggregators add shares.

import type { AggregateSpec, AggregateValue, Bin, BoundedSpec, ComputedSpec, GroupBy, ResultValue, VectorSumSpec } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';
import { LOSS_CAP, LOSS_PRECISION, computedWidth } from './model-update.ts';
import { signedMax, toSigned, zeros, type Ring, type Vec } from './ring.ts';

export interface Block {
  aggregate: AggregateSpec;
  /** First element of the block in the vector. */
  offset: number;
  /** Elements per key. */
  width: number;
  /** A copy of the group-by: each key owns `width` elements, in order; null when not grouped. */
  groupBy: GroupBy | null;
  /** 10^precision. */
  scale: number;
}

export interface Layout {
  length: number;
  ring: Ring;
  blocks: Block[];
}

export type Row = Record<string, string | number>;

/** Rows a contributor adds at most under unit 'rows' when the aggregate names no maxRows. */
export const DEFAULT_MAX_ROWS = 1000;
const MAX_PRECISION = 15;
const TWO32 = 0x100000000;

const bad = (spec: AggregateSpec, why: string) => new ProtocolError('bad-input', `aggregate ${spec.id} (${spec.kind}): ${why}`);

function width(spec: AggregateSpec): number {
  switch (spec.kind) {
    case 'Count':
    case 'Sum':
      return 1;
    case 'Mean':
      return 2;
    case 'Variance':
    case 'SampleVariance':
      return 3;
    case 'Histogram':
      return spec.bins.length;
    case 'VectorSum':
      return spec.variables.length + 1;
    case 'Training':
    case 'Evaluation':
      return computedWidth(spec);
  }
}

/** The spec again if its kind clips and encodes values in fixed point, else null. */
function boundedOf(spec: AggregateSpec): BoundedSpec | null {
  switch (spec.kind) {
    case 'Sum':
    case 'Mean':
    case 'Variance':
    case 'SampleVariance':
    case 'VectorSum':
      return spec;
    case 'Count':
    case 'Histogram':
    case 'Training':
    case 'Evaluation':
      return null;
  }
}

/** 10^precision of the values a block sums: a logistic regression's weights, an evaluation's loss. */
function scaleOf(spec: AggregateSpec): number {
  if (spec.kind === 'Training') return spec.trainer.kind === 'LogisticRegression' ? 10 ** (spec.trainer.precision ?? 0) : 1;
  if (spec.kind === 'Evaluation') return 10 ** LOSS_PRECISION;
  return 10 ** (boundedOf(spec)?.precision ?? 0);
}

function validateBounds(spec: AggregateSpec, bounds: Pick<BoundedSpec, 'lower' | 'upper' | 'precision'>): void {
  const p = bounds.precision ?? 0;
  if (!Number.isInteger(p) || p < 0 || p > MAX_PRECISION) throw bad(spec, `precision must be an integer in 0..${MAX_PRECISION}`);
  const { lower, upper } = bounds;
  if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper) throw bad(spec, 'needs finite bounds lower ≤ upper');
}

// Specs also come from code (simulations, examples), not only from parsed documents.
function validate(spec: AggregateSpec): void {
  if (spec.unit === 'rows' && spec.maxRows !== undefined && !(Number.isInteger(spec.maxRows) && spec.maxRows >= 1)) {
    throw bad(spec, 'maxRows must be a positive integer');
  }
  switch (spec.kind) {
    case 'Count':
      break;
    case 'Sum':
    case 'Mean':
    case 'Variance':
    case 'SampleVariance':
      if (!spec.variable) throw bad(spec, 'needs a variable');
      validateBounds(spec, spec);
      break;
    case 'VectorSum':
      if (spec.variables.length === 0) throw bad(spec, 'needs at least one variable');
      validateBounds(spec, spec);
      break;
    case 'Training':
    case 'Evaluation': {
      const t = spec.trainer;
      if (t.classes.length < 2 || new Set(t.classes).size !== t.classes.length) throw bad(spec, 'needs at least two distinct classes');
      if ((t.input.kind === 'tokens' ? t.input.vocabulary.length : t.input.variables.length) === 0) throw bad(spec, 'needs at least one feature');
      if (t.kind === 'LogisticRegression') {
        validateBounds(spec, t);
        if (!(Number.isInteger(t.epochs) && t.epochs >= 1 && Number.isInteger(t.batchSize) && t.batchSize >= 1 && t.learningRate > 0)) {
          throw bad(spec, 'needs epochs and a batch size of at least 1 and a positive learning rate');
        }
      }
      if (spec.groupBy) throw bad(spec, 'cannot be grouped');
      break;
    }
    case 'Histogram': {
      if (!spec.variable) throw bad(spec, 'needs a variable');
      const bins = spec.bins;
      if (bins.length === 0) throw bad(spec, 'needs at least one bin');
      bins.forEach((b, i) => {
        if (!(Number.isFinite(b.lower) && Number.isFinite(b.upper) && b.lower < b.upper)) throw bad(spec, `bin ${i} is empty or not finite`);
        if (i > 0 && b.lower < bins[i - 1].upper) throw bad(spec, `bin ${i} overlaps or precedes bin ${i - 1}`);
      });
      break;
    }
  }
  if (spec.groupBy) {
    const { variable, keys } = spec.groupBy;
    if (!variable || keys.length === 0) throw bad(spec, 'group by needs a variable and at least one key');
    if (new Set(keys).size !== keys.length) throw bad(spec, 'group-by keys must be distinct');
  }
}

// Worst |element| one aggregate can reach once summed over the population.
function worstCase(spec: AggregateSpec, populationSize: number): { bound: bigint; why: string } {
  const rows = spec.unit === 'rows' ? (spec.maxRows ?? DEFAULT_MAX_ROWS) : 1;
  const per = spec.unit === 'rows' ? ` × ${rows} rows` : '';
  const tail = `${per} × ${populationSize} people`;
  const n = BigInt(rows) * BigInt(populationSize);
  if (spec.kind === 'Training' || spec.kind === 'Evaluation') return computedWorstCase(spec, n, tail);
  const bounded = boundedOf(spec);
  if (!bounded) return { bound: n, why: `1${tail}` };
  const p = bounded.precision ?? 0;
  const bound = Math.max(Math.abs(bounded.lower), Math.abs(bounded.upper));
  const magnitude = bound * 10 ** p;
  const bounds = `bounds ±${bound} × 10^${p}`;
  if (magnitude > Number.MAX_SAFE_INTEGER) {
    throw new ProtocolError(
      'overflow',
      `aggregate ${spec.id} (${spec.kind}): ${bounds} exceeds 2^53, beyond which one value cannot be encoded exactly; narrow the bounds or lower the precision.`,
    );
  }
  const e = BigInt(Math.ceil(magnitude));
  const one = e > 1n ? e : 1n;
  if (spec.kind === 'Variance' || spec.kind === 'SampleVariance') return { bound: one * one * n, why: `(${bounds})²${tail}` };
  return { bound: one * n, why: `${bounds}${tail}` };
}

// Naive Bayes counts each token once per row; weights are clipped; a row's loss is capped.
function computedWorstCase(spec: ComputedSpec, n: bigint, tail: string): { bound: bigint; why: string } {
  const t = spec.trainer;
  if (spec.kind === 'Evaluation') return { bound: BigInt(LOSS_CAP * 10 ** LOSS_PRECISION) * n, why: `loss ${LOSS_CAP} × 10^${LOSS_PRECISION}${tail}` };
  if (t.kind === 'NaiveBayes') return { bound: n, why: `1${tail}` };
  const p = t.precision ?? 0;
  const bound = Math.max(Math.abs(t.lower), Math.abs(t.upper));
  if (bound * 10 ** p > Number.MAX_SAFE_INTEGER) throw new ProtocolError('overflow', `aggregate ${spec.id} (Training): weight bounds ±${bound} × 10^${p} exceed 2^53`);
  return { bound: BigInt(Math.ceil(bound * 10 ** p)) * n, why: `weight bounds ±${bound} × 10^${p}${tail}` };
}

export function compileLayout(aggregates: AggregateSpec[], populationSize: number, ring: Ring): Layout {
  if (!Number.isInteger(populationSize) || populationSize < 1) {
    throw new ProtocolError('bad-input', `population size must be a positive integer, got ${populationSize}`);
  }
  const ids = new Set<string>();
  const blocks: Block[] = [];
  let offset = 0;
  for (const spec of aggregates) {
    if (ids.has(spec.id)) throw bad(spec, 'appears twice');
    ids.add(spec.id);
    validate(spec);
    const { bound, why } = worstCase(spec, populationSize);
    if (bound > signedMax(ring)) {
      throw new ProtocolError(
        'overflow',
        `aggregate ${spec.id} (${spec.kind}) could reach ${bound.toString().length > 15 ? Number(bound).toExponential(2) : bound} ` +
          `in the worst case (${why}), beyond the ${ring} ring's signed range of ${Number(signedMax(ring)).toExponential(2)}; ` +
          'narrow the bounds, lower the precision or maxRows, or query a smaller population.',
      );
    }
    const groupBy = spec.groupBy ? { variable: spec.groupBy.variable, keys: [...spec.groupBy.keys] } : null;
    const w = width(spec);
    blocks.push({ aggregate: spec, offset, width: w, groupBy, scale: scaleOf(spec) });
    offset += w * (groupBy?.keys.length ?? 1);
  }
  return { length: offset, ring, blocks };
}

// ---- encoding ---------------------------------------------------------------------------

function numberOf(row: Row, variable: string): number | undefined {
  const v = row[variable];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function clip(x: number, spec: BoundedSpec): number {
  return Math.min(Math.max(x, spec.lower), spec.upper);
}

function binOf(x: number, bins: Bin[]): number {
  for (let i = 0; i < bins.length; i++) {
    if (x >= bins[i].lower && (x < bins[i].upper || (i === bins.length - 1 && x === bins[i].upper))) return i;
  }
  return -1;
}

// Adds signed integers (|x| ≤ 2^53, or a bigint) to z64 elements in place, on the words.
class Accumulator {
  private readonly w: Int32Array;
  constructor(readonly v: Vec) {
    this.w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  }
  add(i: number, x: number): void {
    const w = this.w;
    const j = 2 * i;
    const a = w[j];
    if (x >= -0x80000000 && x < 0x80000000) {
      // Common case: x is one sign-extended word; the carry is an unsigned wrap.
      const y = x | 0;
      const s = (a + y) | 0;
      w[j] = s;
      w[j + 1] = (w[j + 1] + (((a & y) | ((a | y) & ~s)) >>> 31) + (y >> 31)) | 0;
      return;
    }
    const hi = Math.floor(x / TWO32);
    const lo = x - hi * TWO32;
    const l = (a >>> 0) + lo;
    w[j] = l | 0;
    w[j + 1] = (w[j + 1] + hi + (l >= TWO32 ? 1 : 0)) | 0;
  }
  addBig(i: number, x: bigint): void {
    this.v[i] = BigInt.asUintN(64, this.v[i] + BigInt.asUintN(64, x));
  }
  addSquare(i: number, e: number): void {
    const sq = e * e;
    if (Number.isSafeInteger(sq)) this.add(i, sq);
    else this.addBig(i, BigInt(e) * BigInt(e));
  }
}

/** What the agent computed for training and evaluation aggregates (model-update.ts), by aggregate id. */
export type ComputedBlocks = ReadonlyMap<string, Float64Array>;

// Straight from the typed array to the vector's words: an update may have 10^5 elements.
function addComputed(acc: Accumulator, at: number, block: Block, computed: ComputedBlocks | undefined): void {
  const values = computed?.get(block.aggregate.id);
  if (!values) throw bad(block.aggregate, 'its block is computed by the agent, and none was given');
  if (values.length !== block.width) throw bad(block.aggregate, `computed block has ${values.length} elements, the layout ${block.width}`);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isSafeInteger(x)) throw bad(block.aggregate, `computed element ${i} is not an integer below 2^53: ${x}`);
    acc.add(at + i, x);
  }
}

// Encodes one contributor's rows (already filtered to one group-by key) at `at`.
function encodeBlock(acc: Accumulator, at: number, block: Block, rows: Row[]): void {
  const spec = block.aggregate;
  if (spec.kind === 'Training' || spec.kind === 'Evaluation') throw bad(spec, 'is computed by the agent, not encoded from rows');
  const people = spec.unit === 'people';
  const cap = people ? Infinity : (spec.maxRows ?? DEFAULT_MAX_ROWS);
  if (spec.kind === 'Count') {
    acc.add(at, people ? (rows.length > 0 ? 1 : 0) : Math.min(rows.length, cap));
    return;
  }
  if (spec.kind === 'VectorSum') {
    encodeVector(acc, at, spec, block.scale, rows, cap);
    return;
  }
  const xs: number[] = [];
  for (const row of rows) {
    if (xs.length >= cap) break;
    const x = numberOf(row, spec.variable);
    if (x !== undefined) xs.push(x);
  }
  if (xs.length === 0) return;
  if (spec.kind === 'Histogram') {
    // A person's values are averaged like any other; the average picks the bin.
    const values = people ? [xs.reduce((s, x) => s + x, 0) / xs.length] : xs;
    for (const x of values) {
      const bin = binOf(x, spec.bins);
      if (bin >= 0) acc.add(at + bin, 1);
    }
    return;
  }
  const enc = (x: number) => Math.round(clip(x, spec) * block.scale);
  const es = people ? [enc(xs.reduce((s, x) => s + clip(x, spec), 0) / xs.length)] : xs.map(enc);
  const squares = spec.kind === 'Variance' || spec.kind === 'SampleVariance';
  for (const e of es) {
    acc.add(at, e);
    if (squares) acc.addSquare(at + 1, e);
  }
  if (spec.kind === 'Mean') acc.add(at + 1, es.length);
  if (squares) acc.add(at + 2, es.length);
}

// Model updates can have 10^5 components: one pass reads each row into a Float64Array,
// and the bounds stay in locals.
function encodeVector(acc: Accumulator, at: number, spec: VectorSumSpec, scale: number, rows: Row[], cap: number): void {
  const { variables: vars, lower, upper } = spec;
  const d = vars.length;
  const valid: Float64Array[] = [];
  for (const row of rows) {
    if (valid.length >= cap) break;
    const v = new Float64Array(d);
    let ok = true;
    for (let j = 0; j < d && ok; j++) {
      const x = row[vars[j]];
      ok = typeof x === 'number' && Number.isFinite(x);
      v[j] = ok ? Math.min(Math.max(x as number, lower), upper) : 0;
    }
    if (ok) valid.push(v);
  }
  if (valid.length === 0) return;
  if (spec.unit === 'people') {
    const mean = valid[0];
    for (let r = 1; r < valid.length; r++) for (let j = 0; j < d; j++) mean[j] += valid[r][j];
    for (let j = 0; j < d; j++) acc.add(at + j, Math.round(Math.min(Math.max(mean[j] / valid.length, lower), upper) * scale));
    acc.add(at + d, 1);
  } else {
    for (const v of valid) for (let j = 0; j < d; j++) acc.add(at + j, Math.round(v[j] * scale));
    acc.add(at + d, valid.length);
  }
}

/** One contributor's SELECT rows (and the blocks its agent computed) → its contribution vector. */
export function encodeRows(layout: Layout, rows: Row[], computed?: ComputedBlocks): Vec {
  const acc = new Accumulator(zeros(layout.length));
  for (const block of layout.blocks) {
    if (block.aggregate.kind === 'Training' || block.aggregate.kind === 'Evaluation') {
      addComputed(acc, block.offset, block, computed);
      continue;
    }
    if (!block.groupBy) {
      encodeBlock(acc, block.offset, block, rows);
      continue;
    }
    const { variable, keys } = block.groupBy;
    const indexOf = new Map(keys.map((k, i) => [k, i]));
    const byKey: Row[][] = keys.map(() => []);
    for (const row of rows) {
      const key = row[variable];
      const i = key === undefined ? undefined : indexOf.get(String(key));
      if (i !== undefined) byKey[i].push(row); // keys outside the domain are ignored
    }
    byKey.forEach((keyRows, i) => encodeBlock(acc, block.offset + i * block.width, block, keyRows));
  }
  return acc.v;
}

// ---- decoding ---------------------------------------------------------------------------

function decodeBlock(block: Block, s: bigint[]): AggregateValue {
  const spec = block.aggregate;
  const scale = block.scale;
  switch (spec.kind) {
    case 'Count':
      return { kind: 'scalar', value: Number(s[0]) };
    case 'Sum':
      return { kind: 'scalar', value: Number(s[0]) / scale };
    case 'Mean':
      return { kind: 'scalar', value: Number(s[0]) / (Number(s[1]) * scale) };
    case 'Variance': {
      // Population variance (n·Σe² − (Σe)²) / n², the numerator exact in BigInt.
      const [s1, s2, n] = s;
      return { kind: 'scalar', value: Number(n * s2 - s1 * s1) / Number(n * n) / (scale * scale) };
    }
    case 'SampleVariance': {
      // Sample variance (n·Σe² − (Σe)²) / (n·(n − 1)); below two values there is none: NaN, said outright.
      const [s1, s2, n] = s;
      if (n < 2n) return { kind: 'scalar', value: NaN };
      return { kind: 'scalar', value: Number(n * s2 - s1 * s1) / Number(n * (n - 1n)) / (scale * scale) };
    }
    case 'Histogram':
      return { kind: 'histogram', bins: spec.bins.map((b) => ({ ...b })), counts: s.map(Number) };
    case 'VectorSum': {
      // Federated averaging: the weighted mean vector Σv / n (n = the last element).
      const n = Number(s[s.length - 1]);
      return { kind: 'vector', values: s.slice(0, -1).map((x) => Number(x) / (n * scale)) };
    }
    case 'Training': {
      // Naive Bayes: the summed counts. Logistic regression: the FedAvg weights Σ n·w / Σ n.
      if (spec.trainer.kind === 'NaiveBayes') return { kind: 'vector', values: s.map(Number) };
      const n = Number(s[s.length - 1]);
      return { kind: 'vector', values: s.slice(0, -1).map((x) => Number(x) / (n * scale)) };
    }
    case 'Evaluation': {
      // [correct predictions, rows, mean loss per row].
      const [correct, rows, loss] = s.map(Number);
      return { kind: 'vector', values: [correct, rows, loss / (rows * scale)] };
    }
  }
}

/**
 * The summed vector (signed z64) → one value per aggregate. Mean, Variance and VectorSum
 * over no contributions give NaN, SampleVariance below two values; VectorSum reports the
 * mean vector, not the raw sum.
 */
export function decode(layout: Layout, sum: Vec): ResultValue[] {
  if (sum.length !== layout.length) {
    throw new ProtocolError('bad-input', `summed vector has ${sum.length} elements, the layout ${layout.length}`);
  }
  const signed = toSigned(sum, 'z64');
  return layout.blocks.map((block) => {
    const at = (i: number) => signed.slice(block.offset + i * block.width, block.offset + (i + 1) * block.width);
    const keys = block.groupBy?.keys;
    const value: AggregateValue = keys
      ? { kind: 'grouped', keys: [...keys], values: keys.map((_, i) => decodeBlock(block, at(i))) }
      : decodeBlock(block, at(0));
    return { aggregate: block.aggregate.id, kind: block.aggregate.kind, value };
  });
}
