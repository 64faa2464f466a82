// A differentially private result, read: how it was released, each value's noise and its
// interval (the value without noise lies within it with the stated confidence), and the
// error bars its charts draw from those intervals.

import { h, number, s } from './dom.js';

const MECHANISMS = { DiscreteGaussian: 'discrete Gaussian', DiscreteLaplace: 'discrete Laplace' };

const confidenceOf = (privacy) => `${Math.round(privacy.confidence * 100)} %`;

export const intervalText = (privacy, lower, upper) => `${confidenceOf(privacy)} interval ${number(lower)} – ${number(upper)}`;

/** One paragraph on how the result was released. */
export function releaseNote(privacy) {
  const delta = privacy.delta === undefined ? '' : `, δ ${privacy.delta}`;
  return h('p', { class: 'privacy', id: 'privacy' },
    `Differentially private: ${MECHANISMS[privacy.mechanism] ?? privacy.mechanism} noise, ε ${privacy.epsilon}${delta}; `,
    `each sum carries ${privacy.noiseTerms} draws, one per root position; `,
    privacy.clampNegativeCounts ? 'negative counts are published as 0. ' : 'counts are not clamped. ',
    `Bars and values show ${confidenceOf(privacy)} intervals.`);
}

/** Each statistic's noise scale and the sensitivity it was calibrated to. */
export function noiseNote(privacy, noise) {
  const scale = privacy.mechanism === 'DiscreteGaussian' ? 'σ' : 'scale';
  return h('span', { class: 'noise' }, `noise: ${noise.map((n) => `${n.statistic} ${scale} ${number(n.scale)} (sensitivity ${number(n.sensitivity)})`).join(', ')}`);
}

/** Per bar { lower, upper, text } of a value drawn as bars, or undefined without an interval. */
export function barIntervals(privacy, value, interval) {
  if (!privacy || !interval) return undefined;
  const { lower, upper } = interval;
  const pairs =
    value.kind === 'histogram' ? lower.counts.map((lo, i) => [lo, upper.counts[i]])
      : value.kind === 'vector' ? lower.values.map((lo, i) => [lo, upper.values[i]])
        : value.kind === 'grouped' ? lower.values.map((lo, i) => [lo.value, upper.values[i].value])
          : [];
  return pairs.map(([lo, hi]) => ({ lower: lo, upper: hi, text: intervalText(privacy, lo, hi) }));
}

/** An error bar from y1 to y2 at x, with caps `half` wide on each side. */
export function errorBar(x, y1, y2, half, text) {
  return s('g', { class: 'interval' },
    s('line', { x1: x, x2: x, y1, y2 }),
    s('line', { x1: x - half, x2: x + half, y1, y2: y1 }),
    s('line', { x1: x - half, x2: x + half, y1: y2, y2 }),
    s('title', {}, text));
}
