// Federated training over the demo's pods: a linear model of a grocery purchase's amount
// against the day of the month (scaled to [0, 1]), fitted by gradient descent. Each round
// is one VectorSum query whose selection computes, in every owner's pod, the residual of
// the current model and its gradient terms; the protocol returns the mean gradient over
// everyone's operations, the querier steps the model and publishes the next round. The
// same descent run centrally on the pooled data gives the reference model.
//
//   node --import tsx examples/federated.ts [--pods N] [--rounds R]

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DPV, EX } from '../query-vocab/terms.ts';
import { serializeQuery } from '../query-vocab/index.ts';
import type { AggregationQuery } from '../query-vocab/types.ts';
import { generatePerson, type Person } from '../demo/data.ts';
import { startDemo, type Demo } from '../demo/demo.ts';

export interface Model {
  w0: number;
  w1: number;
}

export interface Training {
  federated: Model[];
  central: Model[];
  contributors: number[];
}

const RATE = 0.5;
const PRECISION = 4;

/** The round's query: residuals of `m` and their gradient terms, averaged over all rows. */
export function roundQuery(m: Model, round: number, deadline: string): AggregationQuery {
  return {
    // Subject <>: the document becomes the query wherever it is published.
    id: '',
    title: `Federated linear model of grocery spending, round ${round}`,
    querier: '',
    population: '',
    purposes: [DPV.ResearchAndDevelopment],
    minContributors: 3,
    deadline,
    expectedSelectivity: 0.8,
    hideParticipation: false,
    selection: `
      PREFIX pa-ex: <${EX.$}>
      SELECT ?r ?rx WHERE {
        ?op a pa-ex:BankOperation ; pa-ex:category "groceries" ; pa-ex:direction pa-ex:Debit ;
            pa-ex:amount ?y ; pa-ex:date ?date .
        BIND ((DAY(?date) - 1) / 27 AS ?x)
        BIND (${m.w0} + ${m.w1} * ?x - ?y AS ?r)
        BIND (?r * ?x AS ?rx)
      }`,
    aggregates: [{ id: '#gradient', kind: 'VectorSum', variables: ['r', 'rx'], lower: -10_000, upper: 10_000, precision: PRECISION, unit: 'rows', maxRows: 500 }],
  };
}

/** The same descent over the pooled rows, with the same fixed-point rounding of each term. */
export function centralStep(m: Model, people: Person[]): Model {
  const round = (x: number) => Math.round(x * 10 ** PRECISION) / 10 ** PRECISION;
  let g0 = 0;
  let g1 = 0;
  let n = 0;
  for (const p of people) {
    for (const op of p.operations.filter((o) => o.category === 'groceries' && o.debit).slice(0, 500)) {
      const x = (op.day - 1) / 27;
      const r = m.w0 + m.w1 * x - op.amount;
      g0 += round(r);
      g1 += round(r * x);
      n++;
    }
  }
  return { w0: m.w0 - RATE * (g0 / n), w1: m.w1 - RATE * (g1 / n) };
}

export async function train(demo: Demo, rounds: number, seed = 7): Promise<Training> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'podagg-fl-'));
  const deadline = new Date(Date.now() + 24 * 3600_000).toISOString();
  // Central training sees only the people the federated run can include: those who consent.
  const consenting = demo.people.flatMap((p, i) => (p.policy.purposes.includes(DPV.ResearchAndDevelopment) ? [generatePerson(seed, i)] : []));
  let federated: Model = { w0: 0, w1: 0 };
  let central: Model = { w0: 0, w1: 0 };
  const out: Training = { federated: [], central: [], contributors: [] };
  for (let round = 1; round <= rounds; round++) {
    const file = path.join(dir, `round-${round}.ttl`);
    writeFileSync(file, serializeQuery({ ...roundQuery(federated, round, deadline), querier: demo.querier.webId, population: demo.population }));
    const outcome = await demo.publish(file, { strategy: 'SafeAndPrompt' });
    const value = outcome.published?.values[0]?.value;
    if (!value || value.kind !== 'vector') throw new Error(`round ${round} gave no gradient: ${outcome.abort ?? 'no result'}`);
    const [g0, g1] = value.values;
    federated = { w0: federated.w0 - RATE * g0, w1: federated.w1 - RATE * g1 };
    central = centralStep(central, consenting);
    out.federated.push(federated);
    out.central.push(central);
    out.contributors.push(outcome.published!.contributors);
    console.log(`round ${round}: federated w0 ${federated.w0.toFixed(4)} w1 ${federated.w1.toFixed(4)} | central w0 ${central.w0.toFixed(4)} w1 ${central.w1.toFixed(4)} | ${outcome.published!.contributors} contributors, ${outcome.seconds.toFixed(1)} s`);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { pods: { type: 'string' }, rounds: { type: 'string' }, port: { type: 'string' } } });
  const demo = await startDemo({ pods: Number(values.pods ?? 20), port: Number(values.port ?? 3000), collectMs: 20_000 });
  try {
    const t = await train(demo, Number(values.rounds ?? 5));
    const last = t.federated.length - 1;
    const gap = Math.max(Math.abs(t.federated[last].w0 - t.central[last].w0), Math.abs(t.federated[last].w1 - t.central[last].w1));
    console.log(`largest difference from the central model: ${gap.toExponential(2)}`);
  } finally {
    await demo.stop();
  }
}
