// Local evaluation: the query's SELECT over the documents of the owner's data scope (as
// resolved when consent was given), with the owner's authenticated fetch, under a time
// limit. Only those documents are loaded, and the selection was checked to name no other.

import { QueryEngine } from '@comunica/query-sparql';
import type { Bindings } from '@comunica/types';
import { Parser, Store } from 'n3';
import { checkSelection, XSD } from '../../query-vocab/index.ts';
import type { AggregateSpec } from '../../query-vocab/index.ts';
import { getTurtle, type Fetch } from './pod.ts';

export type Row = Record<string, string | number>;

export interface EvaluateOptions {
  fetch: Fetch;
  selection: string;
  aggregates: AggregateSpec[];
  /** What FROM may name: the policy's scope entries. */
  dataScope: string[];
  /** The documents read: the scope resolved (agent/solid/data-scope.ts). */
  documents: string[];
  timeLimitMs: number;
  /** At most this many rows are read; beyond it the evaluation fails. */
  maxRows?: number;
}

const MAX_TRIPLES = 1_000_000;
const NUMERIC = new Set([XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger, XSD.positiveInteger]);

let engine: QueryEngine | undefined;
/** One engine per process: building one takes about a second. */
function sharedEngine(): QueryEngine {
  engine ??= new QueryEngine();
  return engine;
}

/**
 * Runs the selection over the documents. They are read with the owner's fetch
 * into one in-memory store first, so Comunica touches nothing but the scope and spends no
 * requests discovering source types.
 */
export async function evaluateSelection(options: EvaluateOptions): Promise<Row[]> {
  const problems = checkSelection(options.selection, options.aggregates, [...options.dataScope, ...options.documents]);
  if (problems.length) throw new Error(`the selection is refused: ${problems.join('; ')}`);
  const store = new Store();
  for (const url of options.documents) {
    store.addQuads(new Parser({ baseIRI: url }).parse(await getTurtle(options.fetch, url)));
    if (store.size > MAX_TRIPLES) throw new Error(`the data scope holds more than ${MAX_TRIPLES} triples`);
  }
  if (store.size === 0) return [];
  const maxRows = options.maxRows ?? 100_000;
  const stream = await sharedEngine().queryBindings(options.selection, { sources: [store] });
  return new Promise<Row[]>((resolve, reject) => {
    const rows: Row[] = [];
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`the selection ran over its time limit of ${options.timeLimitMs} ms`));
    }, options.timeLimitMs);
    stream.on('data', (bindings: Bindings) => {
      rows.push(toRow(bindings));
      if (rows.length > maxRows) {
        clearTimeout(timer);
        stream.destroy();
        reject(new Error(`the selection returned more than ${maxRows} rows`));
      }
    });
    stream.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`the selection failed: ${error.message.split('\n')[0]}`));
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve(rows);
    });
  });
}

/** SELECT bindings as the core's rows: numeric literals become numbers, the rest strings. */
export function toRow(bindings: Bindings): Row {
  const row: Row = {};
  for (const [variable, term] of bindings) {
    row[variable.value] = term.termType === 'Literal' && NUMERIC.has(term.datatype.value) ? Number(term.value) : term.value;
  }
  return row;
}
