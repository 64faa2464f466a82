// Multinomial naive Bayes from counts. The update (and the global model, their sum) holds,
// per class c, [rows of class c, then the count of each token in them], shape
// [classes, 1 + vocabulary]: integers, so the federated model is the central one exactly.
// Prediction smooths with Laplace (add one) and scores in log space.

import type { Sample } from './samples.ts';

/** Per class: the number of samples, then each feature's count (each token once per row). */
export function naiveBayesCounts(samples: readonly Sample[], classes: number, features: number): Float64Array {
  const stride = 1 + features;
  const counts = new Float64Array(classes * stride);
  for (const s of samples) {
    const at = s.y * stride;
    counts[at] += 1;
    for (let k = 0; k < s.idx.length; k++) counts[at + 1 + s.idx[k]] += s.val[k];
  }
  return counts;
}

/** Log joint score of each class for one sample: log P(c) + Σ log P(token | c). */
export function naiveBayesScores(counts: Float64Array, classes: number, features: number, s: Sample): Float64Array {
  const stride = 1 + features;
  let rows = 0;
  for (let c = 0; c < classes; c++) rows += counts[c * stride];
  const scores = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const at = c * stride;
    let tokens = 0;
    for (let j = 0; j < features; j++) tokens += counts[at + 1 + j];
    let score = Math.log((counts[at] + 1) / (rows + classes));
    const denominator = Math.log(tokens + features);
    for (let k = 0; k < s.idx.length; k++) score += s.val[k] * (Math.log(counts[at + 1 + s.idx[k]] + 1) - denominator);
    scores[c] = score;
  }
  return scores;
}
