// Accuracy against ε: the demo's mean and histogram queries released with differential
// privacy in the simulator, over the demo's people (seed 7), 50 runs per cell, each run
// drawing its root positions' noise from its own seed. The error is the published value
// minus the value the same contributions sum to exactly, so it is the noise alone.

import { readFileSync } from 'node:fs';
import type { AggregateSpec, DifferentialPrivacy, ResultValue } from '../query-vocab/types.ts';
import { parseQuery } from '../query-vocab/index.ts';
import { decode, encodeRows, type Row } from '../agent/core/encoding.ts';
import { layoutOf } from '../agent/core/protocol.ts';
import { addInto, zeros } from '../agent/core/ring.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';
import { DEFAULT_SEED, generatePerson, type Person } from '../demo/data.ts';

const RUNS = 50;
const EPSILONS = [0.1, 1, 10];
const MECHANISMS: DifferentialPrivacy[] = [
  { mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: false },
  { mechanism: 'DiscreteLaplace', epsilon: 1, clampNegativeCounts: false },
];
const PARAMS = { depth: 2, fanout: 2, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt' as const, backupRatio: 0, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } };

const example = (name: string) => parseQuery(readFileSync(new URL(`../examples/queries/${name}.ttl`, import.meta.url), 'utf8'), `urn:podagg:bench:${name}`);

interface Case {
  label: string;
  aggregates: AggregateSpec[];
  /** Which value is measured: its numbers, flattened (a mean, or every bin of every key). */
  read(values: ResultValue[]): number[];
  rows(p: Person): Row[];
}

function flat(v: ResultValue['value']): number[] {
  switch (v.kind) {
    case 'scalar':
      return [v.value];
    case 'vector':
      return v.values;
    case 'histogram':
      return v.counts;
    case 'grouped':
      return v.values.flatMap(flat);
  }
}

const mean = example('mean-steps');
const spending = example('spending-histogram');
const histogram = spending.aggregates[0];
const CASES: Case[] = [
  { label: 'mean daily steps of people over 50', aggregates: mean.aggregates, read: (v) => flat(v[0].value), rows: (p) => (p.age > 50 ? p.steps.map((steps) => ({ steps })) : []) },
  ...[2000, 40].map((maxRows): Case => ({
    label: `spending histogram, each of 30 bins (pa:maxRows ${maxRows})`,
    aggregates: [{ ...histogram, maxRows }],
    read: (v) => flat(v[0].value),
    rows: (p) => p.operations.filter((o) => o.debit).map((o) => ({ amount: o.amount, category: o.category })),
  })),
];

/** Mean absolute error over the runs, and how many runs gave an undefined value (a noisy count at or below 0 under a mean). */
function measure(c: Case, people: Person[], dp: DifferentialPrivacy): { mae: number; undefinedRuns: number; exact: number[] } {
  let total = 0;
  let n = 0;
  let undefinedRuns = 0;
  let exact: number[] = [];
  for (let seed = 1; seed <= RUNS; seed++) {
    const s = buildScenario({ population: people.length, selectivity: 1, params: PARAMS, seed, crypto: 'plain', model: idealModel(), aggregates: c.aggregates, differentialPrivacy: dp, rows: (i) => c.rows(people[i]) });
    if (seed === 1) {
      const layout = layoutOf(s.context(s.query.querier));
      const sum = zeros(layout.length);
      for (const w of s.values.keys()) addInto(sum, encodeRows(layout, c.rows(people[Number(w.split(':').pop())])), 'z64');
      exact = c.read(decode(layout, sum));
    }
    s.sim.start();
    const outcome = s.sim.run();
    if (outcome?.type !== 'publish') throw new Error(`no result: ${outcome?.type === 'abort' ? outcome.reason : 'none'}`);
    const got = c.read(outcome.result.values);
    if (got.some((x) => !Number.isFinite(x))) {
      undefinedRuns++;
      continue;
    }
    got.forEach((x, i) => {
      total += Math.abs(x - exact[i]);
      n++;
    });
  }
  return { mae: n > 0 ? total / n : NaN, undefinedRuns, exact };
}

const show = (x: number) => (Number.isNaN(x) ? '—' : x >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));

export default async function benchDp(): Promise<string> {
  const lines = [
    '## Differential privacy: accuracy against ε',
    '',
    'Command: `npm run bench -- dp` (about 7 minutes). ' +
    `Mean absolute error of the published value against the exact sum of the same contributions, over ${RUNS} simulated runs per cell`,
    `(each run's root positions drawing their own noise), for the demo's people (seed ${DEFAULT_SEED}); every member consents and contributes`,
    '(participation hidden), SafeAndPrompt with groups of 3, so each sum carries 3 draws. ε is split over the statistics a query has',
    '(a mean: its sum and its count), each noised in proportion to its derived sensitivity. In brackets: runs whose mean was undefined',
    '(its noisy count at or below 0), left out of the error.',
    '',
    '| query | people | exact | mechanism | ε = 0.1 | ε = 1 | ε = 10 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const people of [50, 1000]) {
    const population = Array.from({ length: people }, (_, i) => generatePerson(DEFAULT_SEED, i));
    for (const c of CASES) {
      for (const dp of MECHANISMS) {
        const cells = EPSILONS.map((epsilon) => measure(c, population, { ...dp, epsilon }));
        const exact = cells[0].exact;
        const shown = exact.length === 1 ? show(exact[0]) : `${show(exact.reduce((a, b) => a + b, 0) / exact.length)} a bin`;
        const name = dp.mechanism === 'DiscreteGaussian' ? 'discrete Gaussian, δ 10⁻⁶' : 'discrete Laplace';
        lines.push(`| ${c.label} | ${people} | ${shown} | ${name} | ${cells.map((r) => `${show(r.mae)}${r.undefinedRuns ? ` (${r.undefinedRuns})` : ''}`).join(' | ')} |`);
      }
    }
  }
  lines.push(
    '',
    'The histogram\'s error follows its declared bound: a person may add pa:maxRows rows under each of the 6 categories, so its',
    'sensitivity is 6 × 2 × maxRows; bounding what one person adds (40 operations instead of 2000) is what makes it usable.',
  );
  return lines.join('\n');
}
