// The follow-up paper's table in Markdown: completeness % / latency s per failure rate and
// strategy, theirs beside ours under their cost model (dissec2023: the paper's completeness,
// counted against every planned contributor, and ours) and under our own (podagg). Means
// over seeds, as theirs: a run without result counts 0 % complete and its latency is when
// it stopped; ± is the standard deviation over seeds, the spread a reader needs to judge a
// difference.

import type { ExperimentRow } from '../../agent/sim/experiment.ts';
import { THEIRS, THEIR_WORK } from './reference.ts';

export type FigureRow = Pick<ExperimentRow, 'strategy' | 'failureRate' | 'result' | 'completeness' | 'plannedCompleteness' | 'latencyMs' | 'busyNodeMeanS'>;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)) * (xs.length / Math.max(1, xs.length - 1)));

/** "completeness / latency" of some runs; "(r/n)" when only r of n gave a result. */
export function cell(rs: FigureRow[], completeness: 'plannedCompleteness' | 'completeness', spread = false): string {
  if (!rs.length) return 'not run';
  const results = rs.filter((r) => r.result === 1).length;
  const c = rs.map((r) => 100 * r[completeness]);
  const pm = spread && rs.length > 1 ? ` ±${sd(c).toFixed(1)}` : '';
  return `${mean(c).toFixed(1)}${pm} / ${(mean(rs.map((r) => r.latencyMs)) / 1000).toFixed(2)}${results < rs.length ? ` (${results}/${rs.length})` : ''}`;
}

export function figuresTable(dissec: FigureRow[], podagg: FigureRow[]): string {
  const strategies = [...new Set(dissec.map((r) => r.strategy))];
  const rates = [...new Set(dissec.map((r) => r.failureRate))];
  const at = (rows: FigureRow[], s: string, rate: number) => rows.filter((r) => r.strategy === s && r.failureRate === rate);
  const out = [
    '| failing per s | strategy | theirs | ours, dissec2023, paper\'s completeness | ours, dissec2023, our completeness | ours, our model (podagg) |',
    '|---|---|---|---|---|---|',
  ];
  for (const rate of rates) {
    for (const s of strategies) {
      const ref = THEIRS[String(rate)]?.[s];
      const theirs = ref ? `${ref[0]} / ${ref[1]}` : '(not in the paper)';
      out.push(`| ${rate * 100} % | ${s} | ${theirs} | ${cell(at(dissec, s, rate), 'plannedCompleteness', true)} | ${cell(at(dissec, s, rate), 'completeness')} | ${podagg.length ? cell(at(podagg, s, rate), 'completeness') : '–'} |`);
    }
  }
  out.push('', '| work per node at 0.5 %/s (s) | theirs | ours, dissec2023 | ours, no failures |', '|---|---|---|---|');
  for (const s of strategies) {
    const work = (rate: number) => {
      const rs = at(dissec, s, rate);
      return rs.length ? mean(rs.map((r) => r.busyNodeMeanS)).toFixed(2) : 'not run';
    };
    out.push(`| ${s} | ${THEIR_WORK[s] ?? '–'} | ${work(0.005)} | ${work(0)} |`);
  }
  return `${out.join('\n')}\n`;
}
