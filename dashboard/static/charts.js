// Small SVG charts: bars for histograms, grouped results and vectors; lines for the
// simulations. Each comes with its numbers as a table for screen readers and copying.

import { h, number, s, table } from './dom.js';
import { errorBar } from './privacy.js';

const PAD = { left: 56, right: 12, top: 14, bottom: 58 };

function ticks(max, count = 4) {
  if (max <= 0) return [0];
  const step = Math.pow(10, Math.floor(Math.log10(max / count)));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((st) => max / st <= count) ?? step * 10;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}

/** Bars: labels[i] → values[i]; intervals[i] ({ lower, upper, text }), when given, as error bars. */
export function barChart(title, labels, values, intervals) {
  const slot = Math.max(18, Math.min(64, 640 / Math.max(1, labels.length)));
  const width = PAD.left + PAD.right + slot * labels.length;
  const height = 240;
  const plotH = height - PAD.top - PAD.bottom;
  const max = Math.max(0, ...values, ...(intervals ?? []).map((i) => i.upper));
  const grid = ticks(max);
  const top = Math.max(max, grid[grid.length - 1]) || 1;
  const y = (v) => PAD.top + plotH - (Math.max(0, v) / top) * plotH;
  const rotate = labels.some((l) => String(l).length * 6 > slot);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, role: 'img', 'aria-label': title, class: 'bars' },
    s('title', {}, title),
    grid.map((t) => [
      s('line', { class: 'axis', x1: PAD.left, x2: width - PAD.right, y1: y(t), y2: y(t), 'stroke-opacity': 0.25 }),
      s('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, number(t)),
    ]),
    labels.map((label, i) => {
      const x = PAD.left + i * slot;
      const lx = x + slot / 2;
      const ly = PAD.top + plotH + 14;
      return s('g', { 'data-label': label },
        s('rect', { class: 'bar', x: x + slot * 0.12, width: slot * 0.76, y: y(values[i]), height: Math.max(0, PAD.top + plotH - y(values[i])) },
          s('title', {}, `${label}: ${number(values[i])}`)),
        intervals?.[i] && errorBar(lx, y(intervals[i].lower), y(intervals[i].upper), slot * 0.15, `${label}: ${intervals[i].text}`),
        s('text', rotate ? { x: lx, y: ly, 'text-anchor': 'end', transform: `rotate(-40 ${lx} ${ly})` } : { x: lx, y: ly, 'text-anchor': 'middle' }, label));
    }),
    s('line', { class: 'axis', x1: PAD.left, x2: width - PAD.right, y1: y(0), y2: y(0) }));
  return h('figure', { class: 'chart' }, h('figcaption', {}, title), svg,
    h('details', {}, h('summary', {}, 'Numbers'), intervals
      ? table(['', 'value', 'interval'], labels.map((l, i) => [l, number(values[i]), `${number(intervals[i].lower)} – ${number(intervals[i].upper)}`]))
      : table(['', 'value'], labels.map((l, i) => [l, number(values[i])]))));
}

/** Lines: series [{ name, points: [{x, y}] }] against a shared x axis. */
export function lineChart(title, xLabel, yLabel, series, { yMax, format = number } = {}) {
  const width = 560;
  const height = 300;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const xs = series.flatMap((se) => se.points.map((p) => p.x));
  const ys = series.flatMap((se) => se.points.map((p) => p.y)).filter((v) => v !== null);
  const xMax = Math.max(0, ...xs) || 1;
  const top = yMax ?? (Math.max(0, ...ys) * 1.1 || 1);
  const x = (v) => PAD.left + (v / xMax) * plotW;
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const yTicks = Array.from({ length: 5 }, (_, i) => (top * i) / 4);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, role: 'img', 'aria-label': title },
    s('title', {}, title),
    yTicks.map((t) => [
      s('line', { class: 'axis', x1: PAD.left, x2: width - PAD.right, y1: y(t), y2: y(t), 'stroke-opacity': 0.25 }),
      s('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, format(t)),
    ]),
    xTicks.map((t) => s('text', { x: x(t), y: PAD.top + plotH + 16, 'text-anchor': 'middle' }, number(t, 3))),
    s('text', { x: PAD.left + plotW / 2, y: height - 22, 'text-anchor': 'middle' }, xLabel),
    s('text', { x: 12, y: PAD.top + plotH / 2, transform: `rotate(-90 12 ${PAD.top + plotH / 2})`, 'text-anchor': 'middle' }, yLabel),
    s('line', { class: 'axis', x1: PAD.left, x2: width - PAD.right, y1: y(0), y2: y(0) }),
    series.map((se, i) => {
      const known = se.points.filter((p) => p.y !== null);
      return s('g', { class: `series-${i % 6}`, 'data-series': se.name },
        s('polyline', { class: 'line', points: known.map((p) => `${x(p.x)},${y(p.y)}`).join(' ') }),
        // Each point keeps its numbers, for copying and checking what is drawn.
        known.map((p) => s('circle', { cx: x(p.x), cy: y(p.y), r: 3.5, 'data-x': p.x, 'data-y': p.y }, s('title', {}, `${se.name}: ${format(p.y)} at ${p.x}`))));
    }));
  const legend = h('ul', { class: 'legend' }, series.map((se, i) =>
    h('li', {}, s('svg', { width: 14, height: 14, class: `series-${i % 6}`, 'aria-hidden': 'true' }, s('rect', { width: 14, height: 14, rx: 2 })), ' ', se.name)));
  return h('figure', { class: 'chart' }, h('figcaption', {}, title), svg, legend);
}
