// Federated training rounds over Solid against the same rounds with plaintext updates, in
// the same run: the demo's pods (every owner consents), logistic regression on the bank
// operations' descriptions widened to 10 classes × 1 000 weights (999 tokens and a bias),
// so that each update is 10 000 parameters. A podagg round is `train`'s training query,
// from publication to its result read; the plaintext round has every agent read the same
// model, select the same rows, train the same update and post it raw (a model document:
// one base64 literal) into a container of the querier's, which lists, reads and averages
// them. Blocks of rounds alternate between the two, so background load hits both alike.
// Also measured: the training result document (a list of 10 000 literals), read and parsed.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { documentOf, parseModel, parseQuery, parseResult, serializeModel, serializeQuery, serializeResult } from '../query-vocab/index.ts';
import type { AggregationQuery, AggregationResult, TrainingSpec } from '../query-vocab/types.ts';
import { modelShape, trainingUpdate } from '../agent/core/model-update.ts';
import { POLICIES, ensureAccess } from '../agent/solid/access.ts';
import { resolveScope } from '../agent/solid/data-scope.ts';
import { evaluateSelection } from '../agent/solid/evaluate.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { listInbox } from '../agent/solid/inbox.ts';
import { fetchModel } from '../agent/solid/model-fetch.ts';
import { ensureContainer, getTurtle, postTurtle, putTurtle } from '../agent/solid/pod.ts';
import { train } from '../agent/solid/training-run.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { freePorts } from '../harness/ports.ts';
import { median } from './median.ts';

const PODS = Number(process.env.PODAGG_BENCH_TRAIN_PODS ?? 50);
/** Blocks of rounds per path, alternating; rounds per block. */
const BLOCKS = 2;
const ROUNDS = 3;
const FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'training');
/** Classes and tokens beyond the data's, which no operation has: they widen the model, not the work per row. */
const EXTRA_CLASSES = ['savings', 'insurance', 'taxes', 'salary'];
const TOKENS = 999;

/** The example's logistic regression, widened to 10 × 1 000 parameters. */
async function wideQuery(base: string): Promise<{ turtle: string; heldOut: string; spec: TrainingSpec }> {
  const example = parseQuery(await readFile(path.join(FOLDER, 'operations-logistic.ttl'), 'utf8'), base);
  const declared = example.aggregates[0] as TrainingSpec;
  const t = declared.trainer;
  if (t.input.kind !== 'tokens') throw new Error('the example trains on tokens');
  const vocabulary = [...t.input.vocabulary, ...Array.from({ length: TOKENS - t.input.vocabulary.length }, (_, i) => `unseen${i}`)];
  const spec: TrainingSpec = { ...declared, id: '#training', trainer: { ...t, classes: [...t.classes, ...EXTRA_CLASSES], input: { ...t.input, vocabulary } } };
  const query: AggregationQuery = { ...example, id: '', title: 'Bank operation categories, 10 000 parameters', aggregates: [spec] };
  return { turtle: serializeQuery(query), heldOut: await readFile(path.join(FOLDER, 'operations-held-out.rq'), 'utf8'), spec };
}

/**
 * One plaintext FedAvg round from `model`: every agent reads it, selects its rows, trains and
 * posts its raw update; the querier lists, reads and averages them. Milliseconds, and the next model.
 */
async function plaintextRound(demo: Demo, spec: TrainingSpec, query: AggregationQuery, model: string, round: number): Promise<{ ms: number; next: Float64Array }> {
  const querier = demo.host.get(demo.querier.webId).session;
  const updates = new URL(`bench-train/updates-${Date.now().toString(36)}-${round}/`, demo.querier.podUrl).href;
  await ensureContainer(querier.fetch, updates);
  await ensureAccess(querier.fetch, updates, POLICIES.inbox(demo.querier.webId));
  const shape = modelShape(spec.trainer);
  const started = Date.now();
  await Promise.all(demo.credentials.map(async (c) => {
    const { session } = demo.host.get(c.webId);
    const scope = { dataScope: [new URL('data/', c.podUrl).href], dataClasses: [] };
    const resolved = await resolveScope(session.fetch, c.webId, scope);
    if ('missing' in resolved) throw new Error(`plaintext round: scope missing: ${resolved.missing}`);
    const [weights, rows] = await Promise.all([
      fetchModel(model, shape),
      evaluateSelection({ fetch: session.fetch, selection: query.selection, aggregates: query.aggregates, ...scope, documents: resolved.documents, timeLimitMs: 60_000 }),
    ]);
    if (rows.length === 0) return;
    const { block } = trainingUpdate(spec, weights, rows);
    await postTurtle(session.fetch, updates, serializeModel({ id: '', shape: [block.length], maxParameters: block.length, parameters: block }));
  }));
  const sum = new Float64Array(shape[0] * shape[1] + 1);
  await Promise.all((await listInbox(querier.fetch, updates)).map(async (url) => {
    parseModel(await getTurtle(querier.fetch, url), url).parameters.forEach((x, i) => (sum[i] += x));
  }));
  const n = sum[sum.length - 1];
  const t = spec.trainer;
  const next = Float64Array.from(sum.subarray(0, -1), (x) => x / (n * 10 ** (t.kind === 'LogisticRegression' ? (t.precision ?? 0) : 0)));
  return { ms: Date.now() - started, next };
}

/** Writing and parsing a result of `n` dense values (as a trained model's are): bytes, and ms each, median of 5. */
function denseResult(n: number): { bytes: number; serializeMs: number; parseMs: number } {
  const result: AggregationResult = {
    id: 'https://q.example/r#result', query: 'https://q.example/q', plan: 'https://q.example/p', contributors: 50, completeness: 1, strategy: 'SafeAndPrompt',
    startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), generatedBy: 'https://q.example/me#me',
    values: [{ aggregate: 'https://q.example/q#training', kind: 'Training', value: { kind: 'vector', values: Array.from({ length: n }, () => Math.random() * 40 - 20) } }],
  };
  const runs = Array.from({ length: 5 }, () => {
    let at = performance.now();
    const text = serializeResult(result);
    const serializeMs = performance.now() - at;
    at = performance.now();
    parseResult(text, 'https://q.example/r');
    return { bytes: Buffer.byteLength(text), serializeMs, parseMs: performance.now() - at };
  });
  return { bytes: runs[0].bytes, serializeMs: median(runs.map((r) => r.serializeMs)), parseMs: median(runs.map((r) => r.parseMs)) };
}

export default async function benchTrain(): Promise<string> {
  const demo = await startDemo({ pods: PODS, port: await freePorts(), refusing: 0, collectMs: 120_000, agents: { isolated: true } });
  try {
    const { turtle, heldOut, spec } = await wideQuery(demo.querier.podUrl);
    const query = parseQuery(turtle, demo.querier.podUrl);
    const [classes, width] = modelShape(spec.trainer);
    // Each training query's journal: when it was published, when contributions went out, its result.
    const journal = new Map<string, RunEvent[]>();
    demo.host.journal.on('event', (e: RunEvent) => void journal.set(e.query, [...(journal.get(e.query) ?? []), e]));
    const atOf = (query: string, kind: RunEvent['kind'], last = false) => {
      const found = (journal.get(query) ?? []).filter((e) => e.kind === kind).map((e) => Date.parse(e.at));
      return last ? Math.max(...found) : Math.min(...found);
    };
    const contributing: number[] = [];
    const ours: number[] = [];
    const rounds: number[] = [];
    const plain: number[] = [];
    const reads: Array<{ getMs: number; parseMs: number; bytes: number }> = [];
    let contributors = 0;
    const { session } = demo.host.get(demo.querier.webId);
    const modelsAt = new URL('bench-train/', demo.querier.podUrl).href;
    await ensureContainer(session.fetch, modelsAt);
    await ensureAccess(session.fetch, modelsAt, POLICIES.publicContainer(demo.querier.webId));
    let plainModel: Float64Array = new Float64Array(classes * width);
    for (let block = 0; block < BLOCKS; block++) {
      process.stderr.write(`bench train: podagg rounds, block ${block + 1}\n`);
      const reports = await train({
        host: demo.host, querier: demo.querier, turtle, heldOut, population: demo.population, rounds: ROUNDS, patience: ROUNDS,
        overrides: { minContributors: 3 }, minTimeouts: { collectMs: 120_000 },
      });
      for (const r of reports) {
        ours.push(r.trainingSeconds);
        rounds.push(r.seconds);
        contributors = r.contributors;
        contributing.push((atOf(r.query, 'contributed', true) - atOf(r.query, 'published')) / 1000);
        const url = documentOf(journal.get(r.query)!.find((e) => e.kind === 'result' && e.webId === demo.querier.webId)!.result!);
        let at = performance.now();
        const text = await getTurtle(session.fetch, url);
        const getMs = performance.now() - at;
        at = performance.now();
        parseResult(text, url);
        reads.push({ getMs, parseMs: performance.now() - at, bytes: Buffer.byteLength(text) });
      }
      process.stderr.write(`bench train: plaintext rounds, block ${block + 1}\n`);
      for (let round = 0; round < ROUNDS; round++) {
        const model = `${modelsAt}plain-${block}-${round}`;
        await putTurtle(session.fetch, model, serializeModel({ id: model, shape: [classes, width], maxParameters: classes * width, parameters: plainModel }));
        const { ms, next } = await plaintextRound(demo, spec, query, model, round);
        plain.push(ms / 1000);
        plainModel = next;
      }
    }
    const m = (xs: number[], digits = 1) => median(xs).toFixed(digits);
    const readMs = median(reads.map((r) => r.getMs + r.parseMs));
    const dense = denseResult(classes * width);
    return [
      '## Training rounds over Solid',
      '',
      'Command: `npm run bench -- train`.',
      '',
      `${PODS} pods on one embedded Community Solid Server, every agent in the bench's process but **isolated** (a peer cache and failure detector each), every owner consents. The model: the demo's logistic regression on bank operation descriptions (\`examples/training/operations-logistic.ttl\`: 5 epochs of SGD, batches of 8, fixed point 10^-6) widened to ${classes} classes × ${width} weights (${TOKENS} tokens, most of which no operation has, and a bias) = **${(classes * width).toLocaleString('en')} parameters**; each contributor's update is ${(classes * width + 1).toLocaleString('en')} elements. A **podagg round** is one training query of \`train\` (SafeAndPrompt, k = 3), timed from its publication to its result read back; the **plaintext round** has every agent read the same model document, select the same rows, run the same SGD and post its raw update (a model document: one base64 literal of doubles) into a container of the querier's, which lists them, reads each and averages: no consent log, no shares, no tree. ${BLOCKS} blocks of ${ROUNDS} rounds of each, alternating; medians over the ${BLOCKS * ROUNDS} rounds of each. The whole podagg round adds the held-out evaluation (a second query).`,
      '',
      '| pods | parameters | contributors | podagg training query, s | of which publication → last contribution sent, s | plaintext round, s | ratio | whole podagg round with its evaluation, s | result document: bytes | read + parse, ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${PODS} | ${(classes * width).toLocaleString('en')} | ${contributors} | ${m(ours)} | ${m(contributing)} | ${m(plain, 2)} | ${(median(ours) / median(plain)).toFixed(1)}× | ${m(rounds)} | ${median(reads.map((r) => r.bytes)).toLocaleString('en')} | ${readMs.toFixed(0)} |`,
      '',
      `The result documents above are small because most of these weights stay 0 (tokens and classes no operation has) and write as \`0\`. A dense result of the same ${(classes * width).toLocaleString('en')} values, written and parsed in the bench's process: ${dense.bytes.toLocaleString('en')} bytes, serialized in ${dense.serializeMs.toFixed(0)} ms, parsed in ${dense.parseMs.toFixed(0)} ms (median of 5).`,
    ].join('\n');
  } finally {
    await demo.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await benchTrain());
