// `npm run reproduce [-- --full] [--out DIR] [--workers N] [--grid FILE]`: runs the
// follow-up paper's grid (grid.json; its reduced form unless --full) under each cost model
// (dissec2023, the authors' simulator; podagg, ours) on every core, and writes into DIR
// (default reproduce-output/) the CSV of every run with its model, SVG plots per model
// (completeness and latency against the failure rate, one line per strategy, per depth;
// cost against the vector size) and comparison.md, the paper's figures beside ours.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CSV_COLUMNS, csvRow, type ExperimentRow } from '../../agent/sim/experiment.ts';
import { runPool } from '../../agent/sim/pool.ts';
import { progressBar } from '../../agent/sim/progress-bar.ts';
import { cell, figuresTable } from './figures-table.ts';
import { expand, loadGrid } from './grid.ts';
import { lineChart, type Series } from './svg.ts';

/** A run's row with the sweep and cost model it belongs to. */
interface Run {
  sweep: string;
  model: string;
  row: ExperimentRow;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** What a querier gets on average: completeness counting a run without result as 0. */
const meanCompleteness = (rows: ExperimentRow[]) => mean(rows.map((r) => r.completeness));
/** Median latency of the runs that gave a result. */
const medianLatencyS = (rows: ExperimentRow[]) => median(rows.filter((r) => r.result).map((r) => r.latencyMs / 1000));

function groupBy<T, K>(items: T[], key: (x: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const x of items) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

function seriesBy(rows: ExperimentRow[], x: (r: ExperimentRow) => number, y: (rs: ExperimentRow[]) => number): Series[] {
  return [...groupBy(rows, (r) => r.strategy)].map(([name, rs]) => ({
    name,
    points: [...groupBy(rs, x)].map(([xv, g]) => [xv, y(g)] as [number, number]).filter(([, yv]) => Number.isFinite(yv)),
  }));
}

function plots(dir: string, runs: Run[]): string[] {
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    writeFileSync(join(dir, name), svg);
    written.push(name);
  };
  for (const [model, ofModel] of groupBy(runs, (r) => r.model)) {
    const rows = (sweep: string) => ofModel.filter((r) => r.sweep === sweep).map((r) => r.row);
    for (const [depth, ofDepth] of groupBy(rows('failure'), (r) => r.depth)) {
      const x = (r: ExperimentRow) => r.failureRate * 100;
      write(`completeness-${model}-depth${depth}.svg`, lineChart({
        title: `Completeness against failure rate (${model}, depth ${depth}, fanout 8, k 5)`,
        xLabel: 'nodes failing per second (%)',
        yLabel: 'mean completeness (%), no result = 0',
        series: seriesBy(ofDepth, x, (g) => 100 * meanCompleteness(g)),
        yRange: [0, 100],
      }));
      write(`latency-${model}-depth${depth}.svg`, lineChart({
        title: `Latency against failure rate (${model}, depth ${depth}, fanout 8, k 5)`,
        xLabel: 'nodes failing per second (%)',
        yLabel: 'median latency of runs with a result (s)',
        series: seriesBy(ofDepth, x, medianLatencyS),
      }));
    }
    const vector = rows('vector');
    if (!vector.length) continue;
    write(`cost-bytes-${model}.svg`, lineChart({
      title: `Traffic against vector size (${model}, depth 4, no failures)`,
      xLabel: 'vector size (elements, log scale)',
      yLabel: 'bytes sent per run (MB)',
      series: seriesBy(vector, (r) => r.vectorSize, (g) => mean(g.map((r) => r.bytes / 1e6))),
      logX: true,
    }));
    write(`cost-busy-${model}.svg`, lineChart({
      title: `Aggregator work against vector size (${model}, depth 4, no failures)`,
      xLabel: 'vector size (elements, log scale)',
      yLabel: 'busy seconds, all aggregators',
      series: seriesBy(vector, (r) => r.vectorSize, (g) => mean(g.map((r) => r.busyAggregatorS))),
      logX: true,
    }));
  }
  return written;
}

function comparison(runs: Run[], command: string, seeds: string): string {
  // The paper's configuration: its figures are at depth 4, fanout 8, k 5, vector 1024.
  const paperPoint = (model: string) =>
    runs.filter((r) => r.sweep === 'failure' && r.model === model).map((r) => r.row)
      .filter((r) => r.depth === 4 && r.fanout === 8 && r.groupSize === 5 && r.vectorSize === 1024);
  const lines = [
    '# Our figures against the reference figures',
    '',
    `Command: \`${command}\` (${seeds}). Depth 4, fanout 8, k 5, vector 1024. Completeness % / latency s, means over`,
    'seeds as in the authors\' CSVs (a run without result counts 0 % and its latency is when it stopped; "(r/n)": runs with',
    'a result; ± the standard deviation over our seeds). dissec2023 is the authors\' cost model (agent/sim/cost-presets.ts);',
    '"paper\'s completeness" counts against every planned contributor, "our completeness" against the members whose',
    'shares left. podagg is our own model: 10 ms per seal or open, no compute per element, sends in parallel, only',
    'aggregators and backups fail, detection in 2 latencies.',
    '',
    figuresTable(paperPoint('dissec2023'), paperPoint('podagg')).trimEnd(),
  ];
  const gs = runs.filter((r) => r.sweep === 'groupSize');
  if (gs.length) {
    lines.push('', '## Group size (depth 4)', '', '| model | strategy | k | failures/s | paper\'s completeness / latency | our completeness / latency |', '|---|---|---|---|---|---|');
    for (const [key, group] of groupBy(gs, (r) => `${r.model}|${r.row.strategy}|${r.row.groupSize}|${r.row.failureRate}`)) {
      const [model, s, k, rate] = key.split('|');
      const rows = group.map((r) => r.row);
      lines.push(`| ${model} | ${s} | ${k} | ${(100 * Number(rate)).toFixed(2)} % | ${cell(rows, 'plannedCompleteness')} | ${cell(rows, 'completeness')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { full: { type: 'boolean' }, out: { type: 'string' }, workers: { type: 'string' }, grid: { type: 'string' } },
  });
  const full = values.full ?? false;
  const grid = loadGrid(values.grid);
  const dir = values.out ?? 'reproduce-output';
  mkdirSync(dir, { recursive: true });
  const points = expand(grid, full);
  process.stderr.write(`reproduce: ${points.length} runs (${full ? 'full' : 'reduced'} grid, models ${grid.models.join(', ')}) into ${dir}/\n`);
  const started = Date.now();
  const rows = await runPool(points.map((p) => p.cfg), { workers: values.workers ? Number(values.workers) : undefined, onDone: progressBar('reproduce') });
  const wallS = (Date.now() - started) / 1000;
  const runs: Run[] = rows.map((row, i) => ({ sweep: points[i].sweep, model: points[i].model, row }));
  const csv = [['sweep', 'model', ...CSV_COLUMNS].join(','), ...runs.map((r) => `${r.sweep},${r.model},${csvRow(r.row)}`)];
  writeFileSync(join(dir, 'results.csv'), `${csv.join('\n')}\n`);
  const svgs = plots(dir, runs);
  const command = `npm run reproduce${full ? ' -- --full' : ''}`;
  const table = comparison(runs, command, `${full ? grid.seeds : grid.reduced.seeds} seeds`);
  writeFileSync(join(dir, 'comparison.md'), table);
  process.stdout.write(table);
  process.stderr.write(`reproduce: ${rows.length} runs in ${wallS.toFixed(0)} s; wrote results.csv, comparison.md, ${svgs.join(', ')}\n`);
}

await main();
