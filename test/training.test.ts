// Federated learning over 20 real pods (one Community Solid Server, the demo's data and
// policies, a fifth of the owners refusing research): naive Bayes equals the centrally
// trained model exactly; logistic regression over five rounds equals central FedAvg over the
// same partition and scores as central training on the pooled data; the federated
// evaluation counts exactly the correct predictions; a malformed, wrong-shape or oversized
// model is refused by every agent with its reason; refusing owners refuse training too.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDemo, type Demo } from '../demo/demo.ts';
import { DEFAULT_SEED, generatePerson, type Person } from '../demo/data.ts';
import { DPV, parseModel, parseQuery, serializeModel, serializeQuery, type AggregationQuery, type TrainingSpec } from '../query-vocab/index.ts';
import type { Row } from '../agent/core/encoding.ts';
import { trainLogistic } from '../agent/core/logistic-regression.ts';
import { evaluationCounts, modelShape, trainingUpdate } from '../agent/core/model-update.ts';
import { samplesOf } from '../agent/core/samples.ts';
import { POLICIES, ensureAccess } from '../agent/solid/access.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { ensureContainer, getTurtle, putTurtle } from '../agent/solid/pod.ts';
import { publishQuery } from '../agent/solid/publish.ts';
import { waitForEnd } from '../agent/solid/run-end.ts';
import { train, type TrainOptions } from '../agent/solid/training-run.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { freePorts } from '../harness/ports.ts';

const read = (name: string) => readFileSync(new URL(`../examples/training/${name}`, import.meta.url), 'utf8');
const PODS = 20;

let demo: Demo;
const events: RunEvent[] = [];
before(async () => {
  demo = await startDemo({ pods: PODS, port: await freePorts(), collectMs: LONG_COLLECT_MS });
  demo.host.journal.on('event', (e) => void events.push(e));
});
after(async () => demo?.stop());

const options = (turtle: string, more: Partial<TrainOptions> = {}): TrainOptions => ({
  host: demo.host, querier: demo.querier, population: demo.population, turtle, heldOut: read('operations-held-out.rq'),
  rounds: 1, overrides: { minContributors: 3 }, ...more,
});
const specOf = (turtle: string) => parseQuery(turtle, demo.querier.podUrl).aggregates[0] as TrainingSpec;

/** The people whose policy accepts research: those the federated runs can include. */
function consenting(): Person[] {
  return demo.people.flatMap((p, i) => (p.policy.purposes.includes(DPV.ResearchAndDevelopment) ? [generatePerson(DEFAULT_SEED, i)] : []));
}
/** The rows the example selections give: the first three weeks train, the last one is held out. */
const rowsOf = (p: Person, heldOut: boolean): Row[] => p.operations.filter((o) => o.day > 21 === heldOut).map((o) => ({ description: o.description, category: o.category }));

/** Correct predictions and rows of a model over everyone's held-out rows, computed in the clear. */
function plainScore(spec: TrainingSpec, model: Float64Array) {
  let correct = 0;
  let rows = 0;
  for (const p of consenting()) {
    const { block } = evaluationCounts({ ...spec, kind: 'Evaluation', model: '' }, model, rowsOf(p, true));
    correct += block[0];
    rows += block[1];
  }
  return { correct, rows };
}

test('naive Bayes over 20 pods equals the centrally trained model exactly, and its federated evaluation counts the correct predictions exactly', async () => {
  const turtle = read('operations-naive-bayes.ttl');
  const spec = specOf(turtle);
  const [report, ...more] = await train(options(turtle, { rounds: 3 }));
  assert.equal(more.length, 0, 'naive Bayes is exact in one round');
  const central = new Float64Array(report.parameters.length);
  const people = consenting().filter((p) => rowsOf(p, false).length > 0);
  for (const p of people) trainingUpdate(spec, null, rowsOf(p, false)).block.forEach((x, i) => (central[i] += x));
  assert.deepEqual(report.parameters, central);
  assert.equal(report.contributors, people.length);
  const plain = plainScore(spec, central);
  assert.deepEqual([report.correct, report.rows], [plain.correct, plain.rows]);
  assert.ok(report.accuracy > 0.8, `accuracy ${report.accuracy}`);
  // The owners whose policy allows no research refused the training query for its purpose.
  for (const c of demo.credentials.slice(1, 1 + PODS / 5)) {
    const consent = events.find((e) => e.query === report.query && e.webId === c.webId && e.kind === 'consent');
    assert.equal(consent?.accepted, false, `${c.webId} consented`);
    assert.match(consent?.reason ?? '', /^purpose rule/);
  }
});

test('logistic regression over 20 pods for 5 rounds equals central FedAvg over the same partition, and scores within 1 point of central training on the pooled data', async () => {
  const turtle = read('operations-logistic.ttl');
  const spec = specOf(turtle);
  const trainer = spec.trainer;
  assert.ok(trainer.kind === 'LogisticRegression');
  const reports = await train(options(turtle, { rounds: 5, patience: 5 }));
  assert.equal(reports.length, 5);
  const people = consenting().filter((p) => rowsOf(p, false).length > 0);
  const [classes, width] = modelShape(trainer);
  let model = new Float64Array(classes * width);
  for (const report of reports) {
    const sum = new Float64Array(model.length + 1);
    for (const p of people) trainingUpdate(spec, model, rowsOf(p, false)).block.forEach((x, i) => (sum[i] += x));
    model = Float64Array.from(sum.subarray(0, model.length), (x) => x / (sum[model.length] * 10 ** (trainer.precision ?? 0)));
    const gap = Math.max(...report.parameters.map((w, i) => Math.abs(w - model[i])));
    assert.ok(gap <= 1e-9, `round ${report.round}: weights differ by ${gap}`);
    assert.equal(report.contributors, people.length);
    const plain = plainScore(spec, report.parameters);
    assert.deepEqual([report.correct, report.rows], [plain.correct, plain.rows]);
    // Each round's model is a document of its own, linking the previous one and its query.
    const doc = parseModel(await getTurtle(globalThis.fetch, report.model), report.model);
    assert.deepEqual(doc.parameters, report.parameters);
    assert.equal(doc.generatedBy, report.query);
    assert.equal(doc.derivedFrom, report.round === 1 ? reports[0].model.replace(/-1$/, '-0') : reports[report.round - 2].model);
  }
  const pooled = samplesOf(trainer, people.flatMap((p) => rowsOf(p, false)), Infinity);
  const central = trainLogistic({ ...trainer, epochs: trainer.epochs * reports.length }, new Float64Array(classes * width), pooled, width - 1);
  const { correct, rows } = plainScore(spec, central);
  const last = reports.at(-1)!;
  assert.ok(Math.abs(last.accuracy - correct / rows) <= 0.01, `federated ${last.accuracy}, central ${correct / rows}`);
});

test('a malformed, wrong-shape or oversized model is refused by every consenting agent, with its reason', async () => {
  const turtle = read('operations-logistic.ttl');
  const spec = specOf(turtle);
  const { session } = demo.host.get(demo.querier.webId);
  const { queries } = podLayout(demo.querier.podUrl);
  await ensureContainer(session.fetch, queries);
  await ensureAccess(session.fetch, queries, POLICIES.publicContainer(session.webId));
  const [classes, width] = modelShape(spec.trainer);
  const model = (name: string, shape: number[], maxParameters: number, length: number) =>
    serializeModel({ id: `${queries}${name}`, shape, maxParameters, parameters: new Float64Array(length) });
  const bad: Array<[string, string, RegExp]> = [
    ['bad-malformed', model('bad-malformed', [classes, width], classes * width, classes * width).replace(/"[A-Za-z0-9+/=]+"\^\^xsd:base64Binary/, '"AAAA"^^xsd:base64Binary'), /3 bytes are not a whole number of 8-byte doubles/],
    ['bad-shape', model('bad-shape', [width, classes], classes * width, classes * width), /the model has shape \(\d+ \d+\), the query's trainer needs/],
    ['bad-oversized', model('bad-oversized', [classes, 100 * width], 100 * classes * width, 100 * classes * width), /the document is larger than \d+ bytes/],
  ];
  const ended = await Promise.all(bad.map(async ([name, document]) => {
    await putTurtle(session.fetch, `${queries}${name}`, document);
    const query: AggregationQuery = { ...parseQuery(turtle, demo.querier.podUrl), id: '', aggregates: [{ ...spec, id: '#training', model: `${queries}${name}` }] };
    const published = await publishQuery({ session, podUrl: demo.querier.podUrl, turtle: serializeQuery(query), population: demo.population, peers: demo.host.peers, overrides: { minContributors: 3 } });
    const end = waitForEnd(demo.host, demo.querier.webId, published.query.id);
    await demo.host.get(demo.querier.webId).agent.startQuery(published.query.id, published.plan.id);
    return { query: published.query.id, end: await end };
  }));
  for (const [i, { query, end }] of ended.entries()) {
    const [name, , reason] = bad[i];
    assert.equal(end.kind, 'abort', `${name}: the run gave a result`);
    const accepted = events.filter((e) => e.query === query && e.kind === 'consent' && e.accepted).map((e) => e.webId);
    assert.equal(accepted.length, consenting().length);
    for (const webId of accepted) {
      const refusal = events.find((e) => e.query === query && e.webId === webId && e.kind === 'log' && e.text.startsWith('model refused: '));
      assert.ok(refusal, `${name}: ${webId} gave no reason`);
      assert.ok(refusal.text.startsWith(`model refused: <${queries}${name}>: `), refusal.text);
      assert.match(refusal.text, reason);
    }
  }
});
