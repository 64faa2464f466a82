// The querier's side of federated training: round after round, a model document and a
// training query that links it are published, the run's result becomes the next model (a
// document of its own, linking the previous one and the query it came from), and a second
// query scores that model on each owner's held-out rows (pa:Evaluation: correct predictions,
// rows and loss, summed like any aggregate, so no label leaves a pod). Training stops after
// the given rounds, or when held-out accuracy has not improved for `patience` rounds. Naive
// Bayes is exact in one round: its counts do not depend on a model.
// Both queries are checked before anything is published, so a held-out selection that
// cannot serve the trainer fails at once, not after the first round's training.

import { randomBytes } from 'node:crypto';
import { checkSelection, documentOf, parseQuery, parseResult, serializeModel, serializeQuery } from '../../query-vocab/index.ts';
import type { AggregationQuery, AggregationResult, EvaluationSpec, Model, TrainingSpec } from '../../query-vocab/index.ts';
import { modelShape } from '../core/model-update.ts';
import type { Credential } from './credentials.ts';
import type { AgentHost } from './host.ts';
import { podLayout } from './layout.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { ensureContainer, getTurtle, putTurtle } from './pod.ts';
import { publishQuery, type PublishOptions } from './publish.ts';
import type { RunEvent } from './events.ts';
import { waitForEnd } from './run-end.ts';

export interface TrainOptions {
  host: AgentHost;
  /** The querier: its agent runs in `host`. */
  querier: Credential;
  /** A query with one pa:Training aggregate (its pa:model, if any, is replaced each round). */
  turtle: string;
  /** The SPARQL SELECT of the held-out rows, binding the same variables as the training selection. */
  heldOut: string;
  /** Overrides the query's population directory. */
  population?: string;
  rounds: number;
  /** Rounds without a better held-out accuracy before stopping; default 1. */
  patience?: number;
  overrides?: PublishOptions['overrides'];
  minTimeouts?: PublishOptions['minTimeouts'];
  onRound?: (report: RoundReport) => void;
  /** Hears of each step of a round as the querier's agent takes it. */
  onProgress?: (progress: RoundProgress) => void;
}

/**
 * Where a round stands, in the querier's steps: for each of its two queries, published,
 * each root group member's aggregate received, result. The evaluation's root group is
 * taken to be as large as the training's until its plan is known.
 */
export interface RoundProgress {
  round: number;
  done: number;
  total: number;
}

export interface RoundReport {
  round: number;
  /** The training query, and the model document its result became. */
  query: string;
  model: string;
  parameters: Float64Array;
  contributors: number;
  /** The evaluation query and what it counted. */
  evaluation: string;
  evaluators: number;
  correct: number;
  rows: number;
  accuracy: number;
  /** Mean cross-entropy per held-out row. */
  loss: number;
  /** The whole round, and its training query alone (published to result read). */
  seconds: number;
  trainingSeconds: number;
}

/** The titles of a round's two queries, from the training query's. */
export const roundTitles = (title: string, round: number) => ({ training: `${title}, round ${round}`, evaluation: `${title}, evaluation of round ${round}` });

export async function train(o: TrainOptions): Promise<RoundReport[]> {
  const { template, spec } = checkTraining(o.turtle, o.heldOut, o.querier.podUrl);
  const { session } = o.host.get(o.querier.webId);
  const { queries } = podLayout(o.querier.podUrl);
  await ensureContainer(session.fetch, queries);
  await ensureAccess(session.fetch, queries, POLICIES.publicContainer(session.webId));
  const slug = `model-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const shape = modelShape(spec.trainer);
  const size = shape[0] * shape[1];
  const writeModel = async (round: number, parameters: Float64Array, links: Pick<Model, 'derivedFrom' | 'generatedBy'>) => {
    const model: Model = { id: `${queries}${slug}-${round}`, shape, maxParameters: size, parameters, ...links };
    await putTurtle(session.fetch, model.id, serializeModel(model));
    return model.id;
  };
  // Logistic regression starts from zero weights; naive Bayes needs no model.
  let current = spec.trainer.kind === 'LogisticRegression' ? await writeModel(0, new Float64Array(size), {}) : undefined;
  const reports: RoundReport[] = [];
  const rounds = spec.trainer.kind === 'NaiveBayes' ? 1 : o.rounds;
  let best = -1;
  let stale = 0;
  for (let round = 1; round <= rounds; round++) {
    const started = Date.now();
    const titles = roundTitles(template.title, round);
    // Steps of the training query, then of the evaluation, each [done, total] once known.
    const steps = [[0, 0], [0, 0]];
    const stepped = (part: number) => (done: number, total: number) => {
      steps[part] = [done, total];
      o.onProgress?.({ round, done: steps[0][0] + steps[1][0], total: steps[0][1] + (steps[1][1] || steps[0][1]) });
    };
    const training: TrainingSpec = { ...spec, id: '#training', ...(current === undefined ? {} : { model: current }) };
    const trained = await runQuery(o, { ...template, id: '', title: titles.training, aggregates: [training] }, stepped(0));
    const trainingSeconds = (Date.now() - started) / 1000;
    const parameters = Float64Array.from(vectorOf(trained.result, 'training'));
    const model = await writeModel(round, parameters, { ...(current === undefined ? {} : { derivedFrom: current }), generatedBy: trained.query });
    const scored = await runQuery(o, { ...template, id: '', title: titles.evaluation, selection: o.heldOut, aggregates: [evaluationOf(spec, model)] }, stepped(1));
    const [correct, rows, loss] = vectorOf(scored.result, 'evaluation');
    const report: RoundReport = {
      round, query: trained.query, model, parameters, contributors: trained.result.contributors,
      evaluation: scored.query, evaluators: scored.result.contributors, correct, rows, accuracy: correct / rows, loss,
      seconds: (Date.now() - started) / 1000, trainingSeconds,
    };
    reports.push(report);
    o.onRound?.(report);
    current = model;
    if (report.accuracy > best) [best, stale] = [report.accuracy, 0];
    else if (++stale >= (o.patience ?? 1)) break;
  }
  return reports;
}

/** The training query (its one pa:Training aggregate) and the held-out selection, checked before anything is published. */
export function checkTraining(turtle: string, heldOut: string, base: string): { template: AggregationQuery; spec: TrainingSpec } {
  const template = parseQuery(turtle, base);
  const spec = trainingOf(template);
  const problems = checkSelection(heldOut, [evaluationOf(spec, `${base}#model`)]);
  if (problems.length) throw new Error(`the held-out selection cannot score the model: ${problems.join('; ')}`);
  return { template, spec };
}

const evaluationOf = (spec: TrainingSpec, model: string): EvaluationSpec => ({ id: '#evaluation', kind: 'Evaluation', unit: 'rows', maxRows: spec.maxRows, trainer: spec.trainer, model });

function trainingOf(q: AggregationQuery): TrainingSpec {
  const [a, ...rest] = q.aggregates;
  if (a?.kind !== 'Training' || rest.length > 0) throw new Error(`the training query must have exactly one pa:Training aggregate, not ${q.aggregates.map((x) => `pa:${x.kind}`).join(', ')}`);
  return a;
}

/**
 * Publishes a query (subject <>), runs it to its end, and reads its result. `onStep` hears
 * of the querier's steps: published, each root member's aggregate received, result.
 */
async function runQuery(o: TrainOptions, query: AggregationQuery, onStep: (done: number, total: number) => void) {
  const { session, agent } = o.host.get(o.querier.webId);
  const published = await publishQuery({
    session, podUrl: o.querier.podUrl, turtle: serializeQuery(query), population: o.population, peers: o.host.peers,
    overrides: o.overrides, minTimeouts: o.minTimeouts,
  });
  const id = published.query.id;
  const root = published.plan.groups.find((g) => g.parent === null)?.members.length ?? 0;
  // A corrected version or a backup's aggregate comes for a position already heard: count positions.
  const positions = new Set<number | undefined>();
  const heard = (e: RunEvent) => {
    if (e.query !== id || e.webId !== o.querier.webId || e.kind !== 'received' || e.messageType !== 'PartialAggregate') return;
    positions.add(e.position);
    onStep(1 + Math.min(positions.size, root), root + 2);
  };
  onStep(1, root + 2);
  o.host.journal.on('event', heard);
  try {
    const ended = waitForEnd(o.host, o.querier.webId, id);
    await agent.startQuery(id, published.plan.id);
    const end = await ended;
    if (end.kind === 'abort') throw new Error(`${query.title}: the run ended without a result: ${end.reason}`);
    onStep(root + 2, root + 2);
    const url = documentOf(end.result!);
    return { query: id, result: parseResult(await getTurtle(session.fetch, url), url) };
  } finally {
    o.host.journal.off('event', heard);
  }
}

function vectorOf(result: AggregationResult, what: string): number[] {
  const value = result.values[0]?.value;
  if (value?.kind !== 'vector') throw new Error(`the ${what} result holds no vector`);
  return value.values;
}
