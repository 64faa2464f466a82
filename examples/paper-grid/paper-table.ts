// `node --import tsx examples/paper-grid/paper-table.ts DISSEC.csv [PODAGG.csv]`: the
// follow-up paper's table (completeness % / latency s per strategy and failure rate, work
// per node at 0.5 %/s) from `podagg simulate` CSVs, ours beside the means of the authors'
// CSVs (docs/design.md). Means over seeds, as theirs: a run without result counts 0 %
// complete and its latency is when it stopped; ± is the standard deviation over seeds (the
// seed spread a reader needs to judge a difference).

import { readFileSync } from 'node:fs';

type Row = Record<string, string>;

/** Means of the authors' CSVs (simulation/outputs/final/), completeness % / latency s. */
const THEIRS: Record<string, Record<string, [number, number]>> = {
  '0': { LowCost: [100, 4.14], HighCompleteness: [100, 4.14], SafeAndPrompt: [100, 4.27], Hybrid: [100, 4.17] },
  '0.0025': { LowCost: [0, 1.3], HighCompleteness: [99.1, 7.5], SafeAndPrompt: [93.1, 4.17], Hybrid: [96.8, 5.1] },
  '0.005': { LowCost: [0, 1.19], HighCompleteness: [55.9, 35.3], SafeAndPrompt: [82.4, 4.15], Hybrid: [93.2, 5.9] },
  '0.01': { LowCost: [0, 1.14], HighCompleteness: [0, 29.7], SafeAndPrompt: [65.2, 4.16], Hybrid: [83.8, 8.6] },
};
const THEIR_WORK: Record<string, number> = { LowCost: 0.87, HighCompleteness: 34.0, SafeAndPrompt: 2.31, Hybrid: 3.65 };

function read(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)) * (xs.length / Math.max(1, xs.length - 1)));
const num = (rs: Row[], k: string) => rs.map((r) => Number(r[k]));

function cell(rs: Row[], completeness: 'plannedCompleteness' | 'completeness', spread = false): string {
  if (!rs.length) return 'not run';
  const results = rs.filter((r) => r.result === '1').length;
  const c = num(rs, completeness).map((x) => 100 * x);
  const pm = spread && rs.length > 1 ? ` ±${sd(c).toFixed(1)}` : '';
  return `${mean(c).toFixed(1)}${pm} / ${(mean(num(rs, 'latencyMs')) / 1000).toFixed(2)}${results < rs.length ? ` (${results}/${rs.length})` : ''}`;
}

function table(dissec: Row[], podagg: Row[]): string {
  const strategies = [...new Set(dissec.map((r) => r.strategy))];
  const rates = [...new Set(dissec.map((r) => r.failureRate))];
  const at = (rows: Row[], s: string, rate: string) => rows.filter((r) => r.strategy === s && r.failureRate === rate);
  const out = [
    '| failing per s | strategy | theirs | ours, dissec2023, paper\'s completeness | ours, dissec2023, our completeness | ours, our model (podagg) |',
    '|---|---|---|---|---|---|',
  ];
  for (const rate of rates) {
    for (const s of strategies) {
      const ref = THEIRS[rate]?.[s];
      const theirs = ref ? `${ref[0]} / ${ref[1]}` : '(not in the paper)';
      out.push(`| ${Number(rate) * 100} % | ${s} | ${theirs} | ${cell(at(dissec, s, rate), 'plannedCompleteness', true)} | ${cell(at(dissec, s, rate), 'completeness')} | ${podagg.length ? cell(at(podagg, s, rate), 'completeness') : '–'} |`);
    }
  }
  out.push('', '| work per node at 0.5 %/s (s) | theirs | ours, dissec2023 | ours, no failures |', '|---|---|---|---|');
  for (const s of strategies) {
    const work = (rate: string) => mean(num(at(dissec, s, rate), 'busyNodeMeanS')).toFixed(2);
    out.push(`| ${s} | ${THEIR_WORK[s] ?? '–'} | ${work('0.005')} | ${work('0')} |`);
  }
  return `${out.join('\n')}\n`;
}

const [dissecPath, podaggPath] = process.argv.slice(2);
if (!dissecPath) throw new Error('usage: paper-table.ts DISSEC.csv [PODAGG.csv]');
process.stdout.write(table(read(dissecPath), podaggPath ? read(podaggPath) : []));
