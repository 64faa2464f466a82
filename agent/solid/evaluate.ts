// Local evaluation: the query's SELECT over the resources of the owner's data scope, with
// the owner's authenticated fetch, under a time limit. Only the scope's documents are
// loaded, and the selection was checked to name no other.

import { QueryEngine } from '@comunica/query-sparql';
import type { Bindings } from '@comunica/types';
import { Parser, Store } from 'n3';
import { containerMembers, checkSelection, XSD } from '../../query-vocab/index.ts';
import type { AggregateSpec } from '../../query-vocab/index.ts';
import { getTurtle, type Fetch } from './pod.ts';

export type Row = Record<string, string | number>;

export interface EvaluateOptions {
  fetch: Fetch;
  selection: string;
  aggregates: AggregateSpec[];
  dataScope: string[];
  timeLimitMs: number;
  /** At most this many rows are read; beyond it the evaluation fails. */
  maxRows?: number;
}

const MAX_DOCUMENTS = 500;
const MAX_TRIPLES = 1_000_000;
const NUMERIC = new Set([XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger, XSD.positiveInteger]);

let engine: QueryEngine | undefined;
/** One engine per process: building one takes about a second. */
function sharedEngine(): QueryEngine {
  engine ??= new QueryEngine();
  return engine;
}

/** The documents of the data scope: containers are expanded, recursively. */
export async function scopeDocuments(fetch: Fetch, scope: string[]): Promise<string[]> {
  const documents = new Set<string>();
  const queue = [...scope];
  while (queue.length && documents.size < MAX_DOCUMENTS) {
    const url = queue.shift()!;
    if (!url.endsWith('/')) {
      documents.add(url);
      continue;
    }
    for (const member of containerMembers(await getTurtle(fetch, url), url)) {
      if (member.startsWith(url)) queue.push(member);
    }
  }
  return [...documents];
}

/**
 * Runs the selection over the scope's documents. They are read with the owner's fetch
 * into one in-memory store first, so Comunica touches nothing but the scope and spends no
 * requests discovering source types.
 */
export async function evaluateSelection(options: EvaluateOptions): Promise<Row[]> {
  const problems = checkSelection(options.selection, options.aggregates, options.dataScope);
  if (problems.length) throw new Error(`the selection is refused: ${problems.join('; ')}`);
  const store = new Store();
  for (const url of await scopeDocuments(options.fetch, options.dataScope)) {
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
