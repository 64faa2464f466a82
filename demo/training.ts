// The demo's training runs: the classifier of bank operations by category from their
// descriptions (examples/training/), trained federatedly over the demo's pods by `train`,
// then checked as the example queries are, against the plain answer: the same rows each
// consenting owner's agent read, trained centrally (plain-training.ts). Naive Bayes must
// equal the model trained on the pooled rows exactly; logistic regression must equal
// FedAvg replayed over the same owners within the fixed-point precision; each round's
// federated evaluation must count exactly the correct predictions; and the final held-out
// accuracy is shown beside that of SGD on the pooled rows.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePlan, parseQuery } from '../query-vocab/index.ts';
import type { AggregationQuery, TrainingSpec } from '../query-vocab/types.ts';
import type { Row } from '../agent/core/encoding.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import type { AgentHost } from '../agent/solid/host.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { train, type RoundProgress, type RoundReport } from '../agent/solid/training-run.ts';
import { plainRows, type PlainPerson } from './plain.ts';
import { centralTraining, largestGap, plainScore, type Score } from './plain-training.ts';

/** The demo's trainings and their query files. */
export const TRAININGS: Record<string, string> = { 'naive-bayes': 'operations-naive-bayes.ttl', logistic: 'operations-logistic.ttl' };
const FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'training');
const HELD_OUT = 'operations-held-out.rq';
/** The federated weights of logistic regression are FedAvg's exactly but for float rounding. */
const TOLERANCE = 1e-9;

export interface TrainingChoice {
  /** Logistic regression's rounds (default 3), all run; naive Bayes takes one. */
  rounds?: number;
  collectMs?: number;
  onRound?: (report: RoundReport) => void;
  onProgress?: (progress: RoundProgress) => void;
}

export type RoundSummary = Omit<RoundReport, 'parameters'>;

export interface TrainingOutcome {
  name: string;
  title: string;
  trainer: TrainingSpec['trainer']['kind'];
  rounds: RoundSummary[];
  /** The last round's model document. */
  model?: string;
  /** The last round's held-out accuracy, federated and trained on the pooled rows. */
  federated?: Score;
  central?: Score;
  /** The largest difference of a round's federated model from its central counterpart. */
  gap?: number;
  /** Models, contributor counts and evaluation counts all equal their plain answers. */
  exact: boolean;
  /** What differs, when something does. */
  differences: string[];
  abort?: string;
  seconds: number;
}

export async function runTraining(host: AgentHost, querier: Credential, population: string, people: PlainPerson[], name: string, choice: TrainingChoice = {}): Promise<TrainingOutcome> {
  const started = Date.now();
  const file = TRAININGS[name];
  if (!file) throw new Error(`no demo training "${name}"; trainings are ${Object.keys(TRAININGS).join(', ')}`);
  const [turtle, heldOut] = await Promise.all([file, HELD_OUT].map((f) => readFile(path.join(FOLDER, f), 'utf8')));
  const declared = parseQuery(turtle, querier.podUrl);
  const spec = declared.aggregates[0] as TrainingSpec;
  const rounds = choice.rounds ?? 3;
  const outcome = { name, title: declared.title, trainer: spec.trainer.kind, rounds: [] as RoundSummary[], exact: false, differences: [] as string[] };
  let reports: RoundReport[];
  try {
    reports = await train({
      host, querier, turtle, heldOut, population, rounds, patience: rounds,
      overrides: { minContributors: 3 }, minTimeouts: choice.collectMs ? { collectMs: choice.collectMs } : undefined,
      onRound: choice.onRound, onProgress: choice.onProgress,
    });
  } catch (error) {
    return { ...outcome, abort: (error as Error).message, seconds: (Date.now() - started) / 1000 };
  }
  // The rows each consenting owner's agent read, found with the published queries and plans.
  const [trainingRows, heldOutRows] = await Promise.all([reports[0].query, reports[0].evaluation].map((url) => rowsOf(url, people)));
  const contributing = trainingRows.filter((rows) => rows.length > 0);
  const scoring = heldOutRows.filter((rows) => rows.length > 0);
  const central = centralTraining(spec, contributing, reports.length);
  const differences: string[] = [];
  reports.forEach((r, i) => {
    const gap = largestGap(r.parameters, central.replayed[i]);
    if (!(gap <= TOLERANCE)) differences.push(`round ${r.round}: the model differs from the central one by ${gap}`);
    if (r.contributors !== contributing.length) differences.push(`round ${r.round}: ${r.contributors} contributors, plain ${contributing.length}`);
    const plain = plainScore(spec, r.parameters, scoring);
    if (r.correct !== plain.correct || r.rows !== plain.rows) differences.push(`round ${r.round}: evaluation ${r.correct}/${r.rows}, plain ${plain.correct}/${plain.rows}`);
  });
  const last = reports.at(-1)!;
  if (spec.trainer.kind === 'NaiveBayes' && largestGap(last.parameters, central.pooled) !== 0) differences.push('naive Bayes differs from the model of the pooled rows');
  return {
    ...outcome,
    rounds: reports.map(({ parameters: _, ...summary }) => summary),
    model: last.model,
    federated: { correct: last.correct, rows: last.rows, accuracy: last.accuracy },
    central: plainScore(spec, central.pooled, scoring),
    gap: Math.max(...reports.map((r, i) => largestGap(r.parameters, central.replayed[i]))),
    exact: differences.length === 0,
    differences,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The rows each consenting owner of the query's population selects, owner by owner. */
async function rowsOf(queryUrl: string, people: PlainPerson[]): Promise<Row[][]> {
  const query: AggregationQuery = parseQuery(await getTurtle(globalThis.fetch, queryUrl), queryUrl);
  const plan = parsePlan(await getTurtle(globalThis.fetch, query.plan!), query.plan!);
  const members = people.filter((p) => p.policy.owner in plan.zones);
  return [...(await plainRows(query, plan, members)).values()];
}
