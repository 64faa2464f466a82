// A result document's values, each drawn to fit: a scalar as a number with its
// contributor count and completeness; histograms, grouped values and vectors as bars. A
// differentially private result adds its intervals (error bars on the bars) and its noise.

import { barChart } from './charts.js';
import { h, number, percent } from './dom.js';
import { barIntervals, intervalText, noiseNote, releaseNote } from './privacy.js';

const MAX_BARS = 64;

// Which variance a kind computes: the vocabulary's pa:Variance is the population's.
const NOTE = { Variance: ' (population)', SampleVariance: ' (sample, n − 1)' };

function describe(spec, value) {
  const variable = spec?.variables?.length ? ` of ${spec.variables.join(', ')}` : '';
  const by = spec?.groupBy ? ` by ${spec.groupBy.variable}` : '';
  return `${value.kind}${NOTE[value.kind] ?? ''}${variable}${by}`;
}

function drawValue(title, value, result, interval) {
  const privacy = result.privacy;
  const bars = (labels, values, caption = title) => barChart(caption, labels, values, barIntervals(privacy, value, interval)?.slice(0, values.length));
  switch (value.kind) {
    case 'scalar':
      return h('div', { class: 'scalar chart', 'data-kind': 'scalar' },
        h('span', { class: 'value', 'aria-label': title }, number(value.value, 6)),
        privacy && interval && h('span', { class: 'interval' }, intervalText(privacy, interval.lower.value, interval.upper.value)),
        h('span', {}, `${result.contributors} contributors`),
        h('span', {}, `${percent(result.completeness)} complete`));
    case 'histogram':
      return bars(value.bins.map((b, i) => `${number(b.lower)}–${number(b.upper)}${i === value.bins.length - 1 ? '' : ')'}`), value.counts);
    case 'vector': {
      const shown = value.values.slice(0, MAX_BARS);
      const more = value.values.length > MAX_BARS ? ` (first ${MAX_BARS} of ${value.values.length})` : '';
      return bars(shown.map((_, i) => String(i)), shown, title + more);
    }
    case 'grouped':
      if (value.values.every((v) => v.kind === 'scalar')) return bars(value.keys, value.values.map((v) => v.value));
      return h('div', {}, value.keys.map((key, i) => drawValue(`${title}: ${key}`, value.values[i], result, interval && { lower: interval.lower.values[i], upper: interval.upper.values[i] })));
    default:
      return h('p', {}, `a ${value.kind} value`);
  }
}

export function resultSection(result, aggregates) {
  return h('section', { 'aria-labelledby': 'result-h', id: 'result' },
    h('h2', { id: 'result-h' }, 'Result'),
    h('p', {}, `${result.contributors} contributors, ${percent(result.completeness)} complete, strategy ${result.strategy}. `,
      h('a', { href: result.id }, 'Result document')),
    result.privacy && releaseNote(result.privacy),
    result.values.map((rv) => {
      const spec = aggregates?.find((a) => a.id === rv.aggregate);
      const title = describe(spec, { kind: rv.kind });
      return h('div', { class: 'result-value', 'data-aggregate': rv.kind },
        h('h3', {}, title),
        drawValue(title, rv.value, result, rv.interval),
        result.privacy && rv.noise && noiseNote(result.privacy, rv.noise));
    }));
}
