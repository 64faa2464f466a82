// What an agent computes for a training or evaluation aggregate, as the integer block the
// layout sums (no per-element objects: a Float64Array of exact integers, |x| ≤ 2^53):
//   naive Bayes training  → its counts, shape [classes, 1 + vocabulary]
//   logistic regression   → FedAvg: round(clip(w)·10^precision) · n for each weight, then n,
//                           where w are the local weights after SGD from the global model
//                           and n the local sample count; the querier's sum over n is the
//                           weighted average of the rounded, clipped weights
//   evaluation            → [correct predictions, rows, Σ round(min(loss, cap)·10^6)]
// A model's parameters have the same layout as the training update's weights (naive Bayes:
// the counts), so the decoded result is the next model.

import type { ComputedSpec, EvaluationSpec, LogisticRegressionTrainer, Trainer, TrainingSpec } from '../../query-vocab/types.ts';
import type { Row } from './encoding.ts';
import { logits, softmax, trainLogistic } from './logistic-regression.ts';
import { naiveBayesCounts, naiveBayesScores } from './naive-bayes.ts';
import { featureCount, samplesOf, type Sample } from './samples.ts';

/** A row's cross-entropy counts at most this much (a prediction of probability e^-50). */
export const LOSS_CAP = 50;
/** Decimal digits of the summed loss. */
export const LOSS_PRECISION = 6;

/** The shape of the trainer's model: [classes, 1 + vocabulary] or [classes, features + 1]. */
export function modelShape(t: Trainer): [number, number] {
  return [t.classes.length, featureCount(t) + 1];
}

/** Elements the aggregate adds to the vector. */
export function computedWidth(spec: ComputedSpec): number {
  if (spec.kind === 'Evaluation') return 3;
  const [c, d] = modelShape(spec.trainer);
  return spec.trainer.kind === 'NaiveBayes' ? c * d : c * d + 1;
}

export interface Computed {
  /** The block's integers, `computedWidth(spec)` of them. */
  block: Float64Array;
  /** Rows the trainer used. */
  samples: number;
}

/** The training update over the rows; `model` is the global model (logistic regression only). */
export function trainingUpdate(spec: TrainingSpec, model: Float64Array | null, rows: readonly Row[]): Computed {
  const t = spec.trainer;
  const samples = samplesOf(t, rows, spec.maxRows ?? rows.length);
  const features = featureCount(t);
  if (t.kind === 'NaiveBayes') return { block: naiveBayesCounts(samples, t.classes.length, features), samples: samples.length };
  if (!model) throw new Error('logistic regression trains from a model, and none was given');
  return { block: fedAvgBlock(t, trainLogistic(t, model, samples, features), samples.length), samples: samples.length };
}

/** Local weights as the FedAvg block: each clipped, in fixed point, times the sample count; then the count. */
export function fedAvgBlock(t: LogisticRegressionTrainer, weights: Float64Array, n: number): Float64Array {
  const scale = 10 ** (t.precision ?? 0);
  const block = new Float64Array(weights.length + 1);
  for (let i = 0; i < weights.length; i++) block[i] = Math.round(Math.min(Math.max(weights[i], t.lower), t.upper) * scale) * n;
  block[weights.length] = n;
  return block;
}

/** The class probabilities the model gives one sample. */
export function predict(t: Trainer, model: Float64Array, s: Sample): Float64Array {
  const [classes, width] = modelShape(t);
  const z = t.kind === 'NaiveBayes' ? naiveBayesScores(model, classes, width - 1, s) : logits(model, classes, width - 1, s);
  return softmax(z);
}

/** Correct predictions, rows and summed loss (fixed point) of the model over the rows. */
export function evaluationCounts(spec: EvaluationSpec, model: Float64Array, rows: readonly Row[]): Computed {
  const samples = samplesOf(spec.trainer, rows, spec.maxRows ?? rows.length);
  let correct = 0;
  let loss = 0;
  for (const s of samples) {
    const p = predict(spec.trainer, model, s);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    if (best === s.y) correct++;
    loss += Math.round(Math.min(-Math.log(p[s.y]), LOSS_CAP) * 10 ** LOSS_PRECISION);
  }
  return { block: Float64Array.of(correct, samples.length, loss), samples: samples.length };
}
