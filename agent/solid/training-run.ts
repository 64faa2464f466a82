// The querier's side of federated training: round after round, a model document and a
// training query that links it are published, the run's result becomes the next model (a
// document of its own, linking the previous one and the query it came from), and a second
// query scores that model on each owner's held-out rows (pa:Evaluation: correct predictions,
// rows and loss, summed like any aggregate, so no label leaves a pod). Training stops after
// the given rounds, or when held-out accuracy has not improved for `patience` rounds. Naive
// Bayes is exact in one round: its counts do not depend on a model.

import { randomBytes } from 'node:crypto';
import { documentOf, parseQuery, parseResult, serializeModel, serializeQuery } from '../../query-vocab/index.ts';
import type { AggregationQuery, AggregationResult, EvaluationSpec, Model, TrainingSpec } from '../../query-vocab/index.ts';
import { modelShape } from '../core/model-update.ts';
import type { Credential } from './credentials.ts';
import type { AgentHost } from './host.ts';
import { podLayout } from './layout.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { ensureContainer, getTurtle, putTurtle } from './pod.ts';
import { publishQuery, type PublishOptions } from './publish.ts';
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
  seconds: number;
}

export async function train(o: TrainOptions): Promise<RoundReport[]> {
  const template = parseQuery(o.turtle, o.querier.podUrl);
  const spec = trainingOf(template);
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
    const training: TrainingSpec = { ...spec, id: '#training', ...(current === undefined ? {} : { model: current }) };
    const trained = await runQuery(o, { ...template, id: '', title: `${template.title}, round ${round}`, aggregates: [training] });
    const parameters = Float64Array.from(vectorOf(trained.result, 'training'));
    const model = await writeModel(round, parameters, { ...(current === undefined ? {} : { derivedFrom: current }), generatedBy: trained.query });
    const evaluation: EvaluationSpec = { id: '#evaluation', kind: 'Evaluation', unit: 'rows', maxRows: spec.maxRows, trainer: spec.trainer, model };
    const scored = await runQuery(o, { ...template, id: '', title: `${template.title}, evaluation of round ${round}`, selection: o.heldOut, aggregates: [evaluation] });
    const [correct, rows, loss] = vectorOf(scored.result, 'evaluation');
    const report: RoundReport = {
      round, query: trained.query, model, parameters, contributors: trained.result.contributors,
      evaluation: scored.query, evaluators: scored.result.contributors, correct, rows, accuracy: correct / rows, loss,
      seconds: (Date.now() - started) / 1000,
    };
    reports.push(report);
    o.onRound?.(report);
    current = model;
    if (report.accuracy > best) [best, stale] = [report.accuracy, 0];
    else if (++stale >= (o.patience ?? 1)) break;
  }
  return reports;
}

function trainingOf(q: AggregationQuery): TrainingSpec {
  const [a, ...rest] = q.aggregates;
  if (a?.kind !== 'Training' || rest.length > 0) throw new Error(`the training query must have exactly one pa:Training aggregate, not ${q.aggregates.map((x) => `pa:${x.kind}`).join(', ')}`);
  return a;
}

/** Publishes a query (subject <>), runs it to its end, and reads its result. */
async function runQuery(o: TrainOptions, query: AggregationQuery) {
  const { session, agent } = o.host.get(o.querier.webId);
  const published = await publishQuery({
    session, podUrl: o.querier.podUrl, turtle: serializeQuery(query), population: o.population, peers: o.host.peers,
    overrides: o.overrides, minTimeouts: o.minTimeouts,
  });
  const ended = waitForEnd(o.host, o.querier.webId, published.query.id);
  await agent.startQuery(published.query.id, published.plan.id);
  const end = await ended;
  if (end.kind === 'abort') throw new Error(`${query.title}: the run ended without a result: ${end.reason}`);
  const url = documentOf(end.result!);
  return { query: published.query.id, result: parseResult(await getTurtle(session.fetch, url), url) };
}

function vectorOf(result: AggregationResult, what: string): number[] {
  const value = result.values[0]?.value;
  if (value?.kind !== 'vector') throw new Error(`the ${what} result holds no vector`);
  return value.values;
}
