// podagg sparql: SPARQL over published result documents.

import { QueryEngine } from '@comunica/query-sparql';
import { toRow } from '../agent/solid/evaluate.ts';
import { parse } from './args.ts';

export const usage = `usage: podagg sparql 'SELECT …' --from RESULT_URL [--from RESULT_URL …] [--json]
  Runs a SPARQL SELECT over one or more result documents and prints a table (or JSON rows).`;

export async function sparql(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { from: { type: 'string', multiple: true }, json: { type: 'boolean' } }, { positionals: ['QUERY'], required: ['from'] });
  if (values.help) return (console.log(usage), 0);
  const sources = values.from!;
  let rows;
  try {
    const stream = await new QueryEngine().queryBindings(positionals[0], { sources: sources as [string, ...string[]] });
    rows = (await stream.toArray()).map(toRow);
  } catch (error) {
    throw new Error(`the query failed: ${(error as Error).message.split('\n')[0]}`);
  }
  if (values.json) return (console.log(JSON.stringify(rows)), 0);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  console.log(columns.join('\t'));
  for (const row of rows) console.log(columns.map((c) => String(row[c] ?? '')).join('\t'));
  console.log(`(${rows.length} rows)`);
  return 0;
}
