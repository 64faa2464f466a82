// `podagg train` run as a user runs it: a child process beside a demo's 12 pods and agents
// (the querier's agent stopped here, so that the command runs it, with the same state
// folder and keys). Naive Bayes in one round and logistic regression over three print one
// line per round whose contributors and held-out counts are the plain answer's, then the
// last model's document; while a round runs, a progress bar on stderr counts its steps, in
// plain lines with no control character since stderr is a pipe here. Bad input fails with
// one clear line before any query is published.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type Demo } from '../demo/demo.ts';
import { DEFAULT_SEED, generatePerson } from '../demo/data.ts';
import { centralTraining, largestGap, plainScore } from '../demo/plain-training.ts';
import { DPV, EX, parseModel, parseQuery, type TrainingSpec } from '../query-vocab/index.ts';
import type { Row } from '../agent/core/encoding.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { parseEvents } from '../agent/solid/events.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { freePorts } from '../harness/ports.ts';

const PODS = 12;
const FOLDER = 'examples/training';
const HELD_OUT = `${FOLDER}/operations-held-out.rq`;
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;
const ROUND = /^round +(\d+) {2}(\d+) contributors {2}accuracy (\d+\.\d) % \((\d+)\/(\d+) held-out rows of (\d+) owners\) {2}loss (\d+\.\d{4}) {2}(\d+\.\d) s$/;
const BAR = /^round (\d+) \[([#.]{24})\] (\d+)\/(\d+) steps, \d+ s(?:, ~\d+ s left)?$/;

let demo: Demo;
let scratch: string;
before(async () => {
  demo = await startDemo({ pods: PODS, port: await freePorts(), collectMs: LONG_COLLECT_MS });
  // Two agents of one WebID would take each other's messages: the command runs the querier's.
  await demo.host.kill(demo.querier.webId);
  scratch = mkdtempSync(join(tmpdir(), 'podagg-train-cli-'));
});
after(async () => demo?.stop());

const train = (query: string, ...more: string[]): Promise<CliResult> =>
  runCli(['train', query, '--held-out', HELD_OUT, '--credentials', demo.credentialsFile, '--webid', demo.querier.webId,
    '--population', demo.population, '--state', demo.stateDir, '--min-contributors', '3', '--collect-ms', String(LONG_COLLECT_MS), ...more], 300_000);

const specOf = (file: string) => parseQuery(readFileSync(file, 'utf8'), demo.querier.podUrl).aggregates[0] as TrainingSpec;

/** Each consenting owner's rows, as the example selections give them: the first three weeks train, the last is held out. */
function ownersRows(heldOut: boolean): Row[][] {
  return demo.people.flatMap((p, i) => {
    if (!p.policy.purposes.includes(DPV.ResearchAndDevelopment)) return [];
    const rows = generatePerson(DEFAULT_SEED, i).operations.filter((o) => o.day > 21 === heldOut).map((o) => ({ description: o.description, category: o.category }));
    return rows.length > 0 ? [rows] : [];
  });
}

/** The round lines, parsed; every stdout line is a round line or the model line. */
function roundsOf(result: CliResult) {
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  const model = /^model {3}(\S+)$/.exec(lines.at(-1)!)?.[1];
  assert.ok(model, `no model line last:\n${result.stdout}`);
  const rounds = lines.slice(0, -1).map((line) => {
    const m = ROUND.exec(line);
    assert.ok(m, `not a round line: ${line}`);
    const [round, contributors, accuracy, correct, rows, owners, , seconds] = m.slice(1).map(Number);
    return { round, contributors, accuracy, correct, rows, owners, seconds };
  });
  return { rounds, model };
}

/** Every stderr line is a bar line; each round's steps only grow, up to its total. */
function assertBars(stderr: string, rounds: number): void {
  assert.doesNotMatch(stderr, CONTROL, 'a control character off a terminal');
  const bars = stderr.trimEnd().split('\n').map((line) => {
    const m = BAR.exec(line);
    assert.ok(m, `not a progress line: ${JSON.stringify(line)}`);
    return { round: Number(m[1]), filled: m[2].replace(/\./g, '').length, done: Number(m[3]), total: Number(m[4]) };
  });
  for (let round = 1; round <= rounds; round++) {
    const own = bars.filter((b) => b.round === round);
    assert.ok(own.length >= 3, `round ${round}: ${own.length} progress lines`);
    assert.equal(own[0].done, 1, `round ${round} starts at its first step`);
    for (let i = 1; i < own.length; i++) assert.ok(own[i].done > own[i - 1].done, `round ${round}: steps went back`);
    const last = own.at(-1)!;
    assert.equal(last.done, last.total, `round ${round} ends with every step done`);
    assert.equal(last.filled, 24);
  }
}

test('naive Bayes: one round line with the plain contributors and held-out counts, a progress bar, the model document', { timeout: 600_000 }, async () => {
  const file = `${FOLDER}/operations-naive-bayes.ttl`;
  const spec = specOf(file);
  const result = await train(file, '--rounds', '3');
  assert.doesNotMatch(result.stdout, CONTROL);
  const { rounds: [round, ...more], model } = roundsOf(result);
  assert.equal(more.length, 0, 'naive Bayes is exact in one round');
  const [training, heldOut] = [ownersRows(false), ownersRows(true)];
  const central = centralTraining(spec, training, 1);
  const plain = plainScore(spec, central.pooled, heldOut);
  assert.deepEqual(
    [round.round, round.contributors, round.correct, round.rows, round.owners, round.accuracy],
    [1, training.length, plain.correct, plain.rows, heldOut.length, Number((100 * plain.accuracy).toFixed(1))],
  );
  assert.ok(round.seconds > 0);
  const document = parseModel(await getTurtle(globalThis.fetch, model), model);
  assert.deepEqual(document.parameters, central.pooled);
  assertBars(result.stderr, 1);
});

test('logistic regression: three round lines, each scored as the plain answer scores FedAvg replayed centrally', { timeout: 600_000 }, async () => {
  const file = `${FOLDER}/operations-logistic.ttl`;
  const spec = specOf(file);
  const result = await train(file, '--rounds', '3', '--patience', '3');
  const { rounds, model } = roundsOf(result);
  assert.deepEqual(rounds.map((r) => r.round), [1, 2, 3]);
  const [training, heldOut] = [ownersRows(false), ownersRows(true)];
  const { replayed } = centralTraining(spec, training, 3);
  for (const [i, r] of rounds.entries()) {
    const plain = plainScore(spec, replayed[i], heldOut);
    assert.deepEqual([r.contributors, r.correct, r.rows, r.owners], [training.length, plain.correct, plain.rows, heldOut.length], `round ${r.round}`);
    assert.equal(r.accuracy, Number((100 * plain.accuracy).toFixed(1)));
  }
  const document = parseModel(await getTurtle(globalThis.fetch, model), model);
  assert.ok(largestGap(document.parameters, replayed[2]) <= 1e-9, 'the last model is not FedAvg replayed');
  assertBars(result.stderr, 3);
});

test('bad input fails with one clear line before any query is published', async () => {
  const published = () => parseEvents(readFileSync(join(demo.stateDir, 'events.jsonl'), 'utf8')).filter((e) => e.kind === 'published').length;
  const before = published();
  const noLabel = join(scratch, 'no-label.rq');
  writeFileSync(noLabel, `PREFIX pa-ex: <${EX.$}>\nSELECT ?description WHERE { ?op pa-ex:description ?description }\n`);
  const cases: Array<[string[], number, RegExp]> = [
    [['examples/queries/mean-steps.ttl'], 1, /^podagg: examples\/queries\/mean-steps\.ttl: the training query must have exactly one pa:Training aggregate, not pa:Mean, pa:Count$/],
    [[`${FOLDER}/operations-naive-bayes.ttl`, '--held-out', noLabel], 1, /^podagg: examples\/training\/operations-naive-bayes\.ttl: the held-out selection cannot score the model: .*variable \?category is not bound by the selection's SELECT clause$/],
    [[`${FOLDER}/operations-naive-bayes.ttl`, '--held-out', join(scratch, 'missing.rq')], 1, /^podagg: cannot read held-out selection .*missing\.rq$/],
    [[`${FOLDER}/operations-naive-bayes.ttl`, '--rounds', 'two'], 2, /^podagg: --rounds must be an integer of at least 1, not "two" \(see podagg train --help\)$/],
    [[`${FOLDER}/operations-naive-bayes.ttl`, '--epochs', '3'], 2, /^podagg: unknown option '--epochs' \(see podagg train --help\)$/],
  ];
  for (const [args, code, pattern] of cases) {
    const result = await train(args[0], ...args.slice(1));
    assert.equal(result.code, code, `${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `not one line:\n${result.stderr}`);
    assert.match(lines[0], pattern);
    assert.equal(result.stdout, '');
  }
  const missing = await runCli(['train', `${FOLDER}/operations-naive-bayes.ttl`, '--credentials', demo.credentialsFile, '--webid', demo.querier.webId]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^podagg: --held-out is required \(see podagg train --help\)\n$/);
  assert.equal(published(), before, 'a query was published');
});
