// A trainer's view of the selection's rows: each usable row becomes a sparse sample (the
// indices and values of its non-zero features) with its class index. A text is lower-cased
// and split on what is not a letter or a digit; each declared token present is a feature
// of value 1. Numeric features must all be finite numbers, or the row is skipped, as is a
// row whose class is not declared. Samples come out in an order fixed by their content
// alone (a hash of each sample, ties broken by the sample itself), so any party holding the
// same rows, whatever order its SPARQL engine gave them in, trains the same model.

import type { Trainer } from '../../query-vocab/types.ts';
import type { Row } from './encoding.ts';

export interface Sample {
  /** Feature indices in increasing order, and their values. */
  idx: Int32Array;
  val: Float64Array;
  /** Class index. */
  y: number;
  /** The sample's content as a string: its sort key and identity. */
  key: string;
  /** FNV-1a of the key: the order's pseudo-random part. */
  hash: number;
}

/** Features a trainer's input yields per row (the model adds a bias). */
export function featureCount(t: Trainer): number {
  return t.input.kind === 'tokens' ? t.input.vocabulary.length : t.input.variables.length;
}

export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/** At most `maxRows` samples (the first in content order), in content order. */
export function samplesOf(t: Trainer, rows: readonly Row[], maxRows: number): Sample[] {
  const classOf = new Map(t.classes.map((c, i) => [c, i]));
  const input = t.input;
  const tokenIndex = new Map(input.kind === 'tokens' ? input.vocabulary.map((w, i) => [w, i]) : []);
  const out: Sample[] = [];
  for (const row of rows) {
    const label = row[t.label];
    const y = label === undefined ? undefined : classOf.get(String(label));
    if (y === undefined) continue;
    const features = input.kind === 'tokens' ? tokenFeatures(tokenIndex, row[input.variable]) : numericFeatures(input.variables, row);
    if (!features) continue;
    const key = `${y}|${Array.from(features.idx, (j, k) => `${j}:${features.val[k]}`).join(',')}`;
    out.push({ ...features, y, key, hash: fnv1a(key) });
  }
  out.sort(byContent);
  return out.slice(0, maxRows);
}

export function byContent(a: Sample, b: Sample): number {
  return a.hash - b.hash || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function tokenFeatures(index: Map<string, number>, text: string | number | undefined): { idx: Int32Array; val: Float64Array } | null {
  if (typeof text !== 'string') return null;
  const present = new Set<number>();
  for (const token of tokenize(text)) {
    const j = index.get(token);
    if (j !== undefined) present.add(j);
  }
  const idx = Int32Array.from([...present].sort((a, b) => a - b));
  return { idx, val: new Float64Array(idx.length).fill(1) };
}

function numericFeatures(variables: string[], row: Row): { idx: Int32Array; val: Float64Array } | null {
  const val = new Float64Array(variables.length);
  for (let j = 0; j < variables.length; j++) {
    const x = row[variables[j]];
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    val[j] = x;
  }
  return { idx: Int32Array.from(variables, (_, j) => j), val };
}

/** 32-bit FNV-1a over the UTF-16 code units: a cheap, fixed hash (not a secret one). */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
