// The central reference for a training run, from the rows each consenting owner's agent
// trains and scores on (plain.ts's plainRows over the generated documents), computed in
// one place. Naive Bayes on the pooled rows is the federated model exactly (a sum of
// counts). For logistic regression, FedAvg replayed over the same owners' rows gives the
// federated weights within the fixed-point precision, and SGD on the pooled rows, for as
// many epochs in all, the accuracy a central trainer reaches.

import type { Row } from '../agent/core/encoding.ts';
import { trainLogistic } from '../agent/core/logistic-regression.ts';
import { evaluationCounts, modelShape, trainingUpdate } from '../agent/core/model-update.ts';
import { naiveBayesCounts } from '../agent/core/naive-bayes.ts';
import { featureCount, samplesOf } from '../agent/core/samples.ts';
import type { TrainingSpec } from '../query-vocab/types.ts';

export interface Score {
  correct: number;
  rows: number;
  accuracy: number;
}

export interface CentralTraining {
  /** The model after each round, replayed over the same owners (naive Bayes: one round). */
  replayed: Float64Array[];
  /** The model trained on everyone's rows pooled. */
  pooled: Float64Array;
}

/** `owners` holds each contributing owner's training rows. */
export function centralTraining(spec: TrainingSpec, owners: Row[][], rounds: number): CentralTraining {
  const t = spec.trainer;
  const features = featureCount(t);
  const pooled = samplesOf(t, owners.flat(), Infinity);
  const sumOf = (model: Float64Array | null) => {
    const sum = new Float64Array(t.kind === 'NaiveBayes' ? modelSize(spec) : modelSize(spec) + 1);
    for (const rows of owners) trainingUpdate(spec, model, rows).block.forEach((x, i) => (sum[i] += x));
    return sum;
  };
  if (t.kind === 'NaiveBayes') return { replayed: [sumOf(null)], pooled: naiveBayesCounts(pooled, t.classes.length, features) };
  const replayed: Float64Array[] = [];
  let model = new Float64Array(modelSize(spec));
  for (let round = 0; round < rounds; round++) {
    // The querier's decoding: Σ n·round(w·10^p) / (Σ n · 10^p).
    const sum = sumOf(model);
    const n = sum[model.length];
    model = Float64Array.from(sum.subarray(0, model.length), (x) => x / (n * 10 ** (t.precision ?? 0)));
    replayed.push(model);
  }
  return { replayed, pooled: trainLogistic({ ...t, epochs: t.epochs * rounds }, new Float64Array(modelSize(spec)), pooled, features) };
}

/** A model's correct predictions over each owner's held-out rows, summed (each owner's capped at pa:maxRows, as its agent does). */
export function plainScore(spec: TrainingSpec, model: Float64Array, owners: Row[][]): Score {
  let correct = 0;
  let rows = 0;
  for (const held of owners) {
    const { block } = evaluationCounts({ id: spec.id, kind: 'Evaluation', unit: 'rows', maxRows: spec.maxRows, trainer: spec.trainer, model: '' }, model, held);
    correct += block[0];
    rows += block[1];
  }
  return { correct, rows, accuracy: correct / rows };
}

/** The largest difference between two models' parameters. */
export function largestGap(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Infinity;
  let gap = 0;
  for (let i = 0; i < a.length; i++) gap = Math.max(gap, Math.abs(a[i] - b[i]));
  return gap;
}

function modelSize(spec: TrainingSpec): number {
  const [classes, width] = modelShape(spec.trainer);
  return classes * width;
}
