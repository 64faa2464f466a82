// Simulation CSVs: completeness and latency against the failure rate, one line per strategy.

import { api } from './api.js';
import { lineChart } from './charts.js';
import { h, notice, number, percent, table } from './dom.js';

export async function simulationsView(name) {
  const { folder, files } = await api('/simulations');
  const nav = h('ul', {}, files.map((f) => h('li', {}, h('a', { href: `#/simulations/${encodeURIComponent(f.name)}`, 'aria-current': f.name === name ? 'page' : null }, f.name), ` (${f.bytes} bytes)`)));
  const head = [h('h1', {}, 'Simulations')];
  if (!folder) return [...head, notice('No simulations folder: start the dashboard with --simulations DIR (the folder of podagg simulate --out CSVs).')];
  if (files.length === 0) return [...head, notice(`No CSV in ${folder} yet. Write one with podagg simulate --out ${folder}/run.csv.`)];
  if (!name) return [...head, h('p', {}, 'Pick a CSV:'), nav];
  const sim = await api(`/simulations/${encodeURIComponent(name)}`);
  const series = (key) => sim.series.map((se) => ({ name: se.strategy, points: se.points.map((p) => ({ x: p.failureRate, y: p[key] })) }));
  return [
    ...head, nav,
    h('h2', {}, `${sim.name}: ${sim.rows} runs`),
    lineChart('Completeness against failure rate', 'failure rate (share of nodes per second)', 'completeness', series('completeness'), { yMax: 1, format: percent }),
    lineChart('Latency against failure rate', 'failure rate (share of nodes per second)', 'latency (ms)', series('latencyMs')),
    lineChart('Runs with a result', 'failure rate (share of nodes per second)', 'share of runs', series('resultRate'), { yMax: 1, format: percent }),
    h('details', {}, h('summary', {}, 'Numbers'), table(['Strategy', 'Failure rate', 'Runs', 'With result', 'Completeness', 'Latency (ms)'],
      sim.series.flatMap((se) => se.points.map((p) => [se.strategy, String(p.failureRate), String(p.runs), percent(p.resultRate), percent(p.completeness), number(p.latencyMs)])))),
  ];
}
