// Federated trainings as the dashboard shows them, found from the journal's runs and the
// public documents alone (the journal holds no value). Every pa:Evaluation run scores one
// model document; that model names the previous round's model (prov:wasDerivedFrom) and the
// training query it came from (pa:query). The chain back to its first model is one training,
// and the round of a model is how many models in its chain a training query produced. Each
// round's accuracy is its evaluation result's correct predictions over its rows.

import type { RunEvent } from '../agent/solid/events.ts';
import { roundTitles } from '../agent/solid/training-run.ts';
import type { Model, WebId } from '../query-vocab/types.ts';
import type { PublicDocuments } from './documents.ts';
import { runId, summarize } from './run-state.ts';

export interface TrainingRound {
  round: number;
  /** Correct predictions over the held-out rows, as the round's evaluation result counts them. */
  correct: number;
  rows: number;
  accuracy: number;
  /** Mean cross-entropy per held-out row. */
  loss: number;
  /** Owners whose held-out rows scored the model. */
  evaluators: number;
  /** Contributors to the round's training query, when its run is in this journal. */
  contributors?: number;
  model: string;
  training?: { query: string; run: string };
  evaluation: { query: string; run: string };
  endedAt: string;
}

export interface Training {
  /** Short stable id for URLs: a hash of its first model document's URL. */
  id: string;
  title: string;
  trainer?: string;
  querier?: WebId;
  firstModel: string;
  /** In round order. */
  rounds: TrainingRound[];
}

/** A model chain longer than this is taken for a loop. */
const MAX_ROUNDS = 10_000;

export async function listTrainings(runs: Map<string, RunEvent[]>, documents: PublicDocuments): Promise<Training[]> {
  const trainings = new Map<string, Training>();
  for (const [query, events] of runs) {
    const summary = summarize(query, events);
    if (!summary.result) continue;
    const doc = (await documents.query(query)).value;
    const spec = doc?.aggregates[0];
    if (!doc || spec?.kind !== 'Evaluation') continue;
    const [result, chain] = await Promise.all([documents.result(summary.result), modelChain(spec.model, documents)]);
    const counts = result.value?.values[0]?.value;
    if (!chain || counts?.kind !== 'vector') continue;
    const [correct, rows, loss] = counts.values;
    const round = chain.filter((m) => m.generatedBy !== undefined).length;
    const first = chain.at(-1)!.id;
    const made = chain[0].generatedBy;
    const training = made === undefined ? undefined : runs.has(made) ? summarize(made, runs.get(made)!) : undefined;
    const trained = training?.result ? (await documents.result(training.result)).value : undefined;
    const entry: Training = trainings.get(first) ?? { id: runId(first), title: trainingTitle(doc.title, round), trainer: spec.trainer.kind, querier: doc.querier, firstModel: first, rounds: [] };
    entry.rounds.push({
      round, correct, rows, accuracy: correct / rows, loss, evaluators: result.value!.contributors, contributors: trained?.contributors,
      model: chain[0].id, training: made === undefined ? undefined : { query: made, run: runId(made) }, evaluation: { query, run: runId(query) },
      endedAt: summary.lastAt,
    });
    trainings.set(first, entry);
  }
  for (const t of trainings.values()) t.rounds.sort((a, b) => a.round - b.round || a.endedAt.localeCompare(b.endedAt));
  return [...trainings.values()].sort((a, b) => (b.rounds[0]?.endedAt ?? '').localeCompare(a.rounds[0]?.endedAt ?? ''));
}

/** The model and those it derives from, newest first; null if one cannot be read. */
async function modelChain(url: string, documents: PublicDocuments): Promise<Model[] | null> {
  const chain: Model[] = [];
  for (let next: string | undefined = url; next !== undefined; ) {
    const model: Model | undefined = (await documents.model(next)).value;
    if (!model || chain.length >= MAX_ROUNDS) return null;
    chain.push(model);
    next = model.derivedFrom;
  }
  return chain;
}

/** The training's title: its evaluation query's, less what `train` adds for the round. */
function trainingTitle(evaluationTitle: string, round: number): string {
  const suffix = roundTitles('', round).evaluation;
  return evaluationTitle.endsWith(suffix) ? evaluationTitle.slice(0, -suffix.length) : evaluationTitle;
}
