// `node --import tsx examples/paper-grid/paper-table.ts DISSEC.csv [PODAGG.csv]`: the
// follow-up paper's table (figures-table.ts) from `podagg simulate` CSVs, the first run
// with `--model dissec2023`, the second with our model.

import { readFileSync } from 'node:fs';
import type { StrategyName } from '../../query-vocab/types.ts';
import { figuresTable, type FigureRow } from './figures-table.ts';

function read(path: string): FigureRow[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => {
    const r = Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]));
    return {
      strategy: r.strategy as StrategyName,
      failureRate: Number(r.failureRate),
      result: r.result === '1' ? 1 : 0,
      completeness: Number(r.completeness),
      plannedCompleteness: Number(r.plannedCompleteness),
      latencyMs: Number(r.latencyMs),
      busyNodeMeanS: Number(r.busyNodeMeanS),
    };
  });
}

const [dissecPath, podaggPath] = process.argv.slice(2);
if (!dissecPath) throw new Error('usage: paper-table.ts DISSEC.csv [PODAGG.csv]');
process.stdout.write(figuresTable(read(dissecPath), podaggPath ? read(podaggPath) : []));
