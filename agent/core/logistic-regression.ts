// Multinomial logistic regression: weights of shape [classes, features + 1] (each class's
// bias last), trained by mini-batch SGD on the mean cross-entropy. Each epoch visits the
// samples in an order derived from their content and the epoch number only, so the same
// samples and starting model give the same weights anywhere.

import type { LogisticRegressionTrainer } from '../../query-vocab/types.ts';
import { fnv1a, type Sample } from './samples.ts';

/** The class scores (logits) of one sample. */
export function logits(w: Float64Array, classes: number, features: number, s: Sample, out = new Float64Array(classes)): Float64Array {
  const stride = features + 1;
  for (let c = 0; c < classes; c++) {
    const at = c * stride;
    let z = w[at + features];
    for (let k = 0; k < s.idx.length; k++) z += w[at + s.idx[k]] * s.val[k];
    out[c] = z;
  }
  return out;
}

/** Softmax in place, stable. */
export function softmax(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const x of z) max = Math.max(max, x);
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c] - max);
  for (let c = 0; c < z.length; c++) z[c] /= sum;
  return z;
}

/** The samples of one epoch, in its order: sorted by a hash of the sample's hash and the epoch. */
export function epochOrder(samples: readonly Sample[], epoch: number): Sample[] {
  const keyed = samples.map((s) => ({ s, h: fnv1a(String(epoch), s.hash) }));
  keyed.sort((a, b) => a.h - b.h || (a.s.key < b.s.key ? -1 : a.s.key > b.s.key ? 1 : 0));
  return keyed.map((k) => k.s);
}

/** The weights after `epochs` of SGD from `start` (not modified). */
export function trainLogistic(t: LogisticRegressionTrainer, start: Float64Array, samples: readonly Sample[], features: number): Float64Array {
  const classes = t.classes.length;
  const stride = features + 1;
  const w = Float64Array.from(start);
  const grad = new Float64Array(w.length);
  const p = new Float64Array(classes);
  for (let epoch = 0; epoch < t.epochs; epoch++) {
    const order = epochOrder(samples, epoch);
    for (let from = 0; from < order.length; from += t.batchSize) {
      const batch = order.slice(from, from + t.batchSize);
      grad.fill(0);
      for (const s of batch) {
        softmax(logits(w, classes, features, s, p));
        for (let c = 0; c < classes; c++) {
          const r = p[c] - (c === s.y ? 1 : 0);
          const at = c * stride;
          for (let k = 0; k < s.idx.length; k++) grad[at + s.idx[k]] += r * s.val[k];
          grad[at + features] += r;
        }
      }
      const step = t.learningRate / batch.length;
      for (let i = 0; i < w.length; i++) w[i] -= step * grad[i];
    }
  }
  return w;
}
