// `podagg simulate`: runs the protocol core over the simulated network for one
// configuration or a sweep (comma-separated flag values, or --grid FILE with the same
// keys as arrays), and writes one CSV row per run. A last stderr line gives the wall
// time, events per second and the process's peak memory (the benchmark reads it).

import { readFileSync, writeFileSync } from 'node:fs';
import { STRATEGIES, isStrategyName, isThreshold } from '../agent/core/strategy.ts';
import { CSV_COLUMNS, csvRow, parseLatency, runExperiment, type ExperimentConfig } from '../agent/sim/experiment.ts';
import { COST_PRESETS, isCostPreset } from '../agent/sim/cost-presets.ts';
import { progressBar } from '../agent/sim/progress-bar.ts';
import { UsageError, integer, parse } from './args.ts';

const USAGE = `usage: podagg simulate [flags]   (lists: comma-separated values are swept)
  --strategy LIST        ${Object.keys(STRATEGIES).join(', ')} (default HighCompleteness)
  --depth LIST           levels of aggregator groups (default 3)
  --fanout LIST          children per group (default 8)
  --group-size LIST      k (default 5)
  --threshold N          Shamir t for the Threshold strategy (default a majority of k)
  --vector-size LIST     elements of the modelled vector (default 1024)
  --population N         default: fanout^depth / selectivity (the paper's zones)
  --selectivity X        share of the population contributing (default 1)
  --failure-rate LIST    share of aggregators failing per second, e.g. 0.0025 (default 0)
  --latency SPEC         ms: C, uniform:A:B or exp:MEAN (default 33)
  --bandwidth N          bytes per ms (default unlimited)
  --crypto-ms X          cost of one seal or open in ms (default 10)
  --backup-ratio X       backups per aggregator (default 0.2)
  --seeds N              runs seeds 1..N per point (default 1); --seed S runs seed S only
  --grid FILE            JSON object of flag names (camelCase) to arrays of values
  --model NAME           cost model: podagg (ours, the defaults above) or dissec2023 (the
                         authors' simulator: 50 µs per element received, queued sends of
                         (m-1)/6000 s, everyone fails, detection 660 ms, 8 contributors
                         per leaf apart from aggregators; see agent/sim/cost-presets.ts)
  --compute-ms-per-element X  work per vector element received (dissec2023: 0.05)
  --elements-per-ms X    vector elements sent per ms (dissec2023: 6)
  --detect-ms X          failure detection delay (default 2 latencies; dissec2023: 660)
  --real-crypto          seal and sign for real (small populations only)
  --out FILE             CSV destination (default stdout)`;

const FLAGS = {
  strategy: { type: 'string' },
  depth: { type: 'string' },
  fanout: { type: 'string' },
  'group-size': { type: 'string' },
  threshold: { type: 'string' },
  'vector-size': { type: 'string' },
  population: { type: 'string' },
  selectivity: { type: 'string' },
  'failure-rate': { type: 'string' },
  latency: { type: 'string' },
  bandwidth: { type: 'string' },
  'crypto-ms': { type: 'string' },
  'backup-ratio': { type: 'string' },
  seeds: { type: 'string' },
  seed: { type: 'string' },
  grid: { type: 'string' },
  model: { type: 'string' },
  'compute-ms-per-element': { type: 'string' },
  'elements-per-ms': { type: 'string' },
  'detect-ms': { type: 'string' },
  'real-crypto': { type: 'boolean' },
  out: { type: 'string' },
} as const;

type Axis = Exclude<keyof ExperimentConfig, 'crypto' | 'timeouts' | 'queueSends' | 'evaluateMs' | 'takeoverMs' | 'failing' | 'zones' | 'globalStop'>;
const NUMERIC: Axis[] = [
  'depth', 'fanout', 'groupSize', 'threshold', 'vectorSize', 'population', 'selectivity', 'failureRate', 'bandwidth', 'cryptoMs', 'backupRatio', 'seed',
  'computeMsPerElement', 'elementsPerMs', 'detectMs',
];

function toValue(axis: Axis, raw: unknown): string | number {
  if (!NUMERIC.includes(axis)) {
    const s = String(raw);
    if (axis === 'strategy' && !isStrategyName(s)) throw new UsageError(`unknown strategy "${s}"`);
    if (axis === 'latency') checkLatency(s);
    return s;
  }
  const n = Number(raw);
  if (!Number.isFinite(n) && !(axis === 'bandwidth' && n === Infinity)) throw new UsageError(`--${axis.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs numbers, not "${raw}"`);
  return n;
}

function checkLatency(spec: string): void {
  try {
    parseLatency(spec);
  } catch (error) {
    throw new UsageError(`--latency: ${(error as Error).message}`);
  }
}

/** Every combination of the axes' values, in a stable order. */
function product(axes: Array<[Axis, Array<string | number>]>): Array<Record<string, string | number>> {
  let out: Array<Record<string, string | number>> = [{}];
  for (const [axis, values] of axes) out = out.flatMap((o) => values.map((v) => ({ ...o, [axis]: v })));
  return out;
}

export async function simulate(args: string[]): Promise<number> {
  const { values: v } = parse(args, FLAGS);
  if ((v as { help?: boolean }).help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const modelName = v.model ?? 'podagg';
  if (!isCostPreset(modelName)) throw new UsageError(`unknown model "${modelName}": ${Object.keys(COST_PRESETS).join(' or ')}`);
  const preset: Record<string, unknown> = COST_PRESETS[modelName];
  const fromPreset = (key: string) => (preset[key] === undefined ? undefined : String(preset[key]));
  const list = (flag: string | undefined, fallback: string) => (flag ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
  const seeds = v.seed !== undefined ? [v.seed] : Array.from({ length: integer(v.seeds, '--seeds', 1) }, (_, i) => String(i + 1));
  const axes = new Map<Axis, unknown[]>([
    ['strategy', list(v.strategy, 'HighCompleteness')],
    ['depth', list(v.depth, '3')],
    ['fanout', list(v.fanout, '8')],
    ['groupSize', list(v['group-size'], '5')],
    ['vectorSize', list(v['vector-size'], '1024')],
    ['selectivity', list(v.selectivity, '1')],
    ['failureRate', list(v['failure-rate'], '0')],
    ['latency', list(v.latency, fromPreset('latency') ?? '33')],
    ['bandwidth', list(v.bandwidth, fromPreset('bandwidth') ?? 'Infinity')],
    ['cryptoMs', list(v['crypto-ms'], fromPreset('cryptoMs') ?? '10')],
    ['backupRatio', list(v['backup-ratio'], fromPreset('backupRatio') ?? '0.2')],
    ['seed', seeds],
  ]);
  for (const [axis, flag] of [['computeMsPerElement', 'compute-ms-per-element'], ['elementsPerMs', 'elements-per-ms'], ['detectMs', 'detect-ms']] as const) {
    const value = v[flag] ?? fromPreset(axis);
    if (value !== undefined) axes.set(axis, list(value, ''));
  }
  const fixed = Object.fromEntries(Object.entries(preset).filter(([k]) => ['queueSends', 'evaluateMs', 'takeoverMs', 'failing', 'zones', 'globalStop'].includes(k)));
  if (v.threshold !== undefined) axes.set('threshold', [v.threshold]);
  if (v.population !== undefined) axes.set('population', [v.population]);
  if (v.grid) {
    const grid = JSON.parse(readFileSync(v.grid, 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(grid)) {
      if (key === 'seeds') axes.set('seed', Array.from({ length: Number(value) }, (_, i) => i + 1));
      else if (!axes.has(key as Axis) && key !== 'threshold' && key !== 'population') throw new UsageError(`grid key "${key}" is not a simulation parameter`);
      else axes.set(key as Axis, Array.isArray(value) ? value : [value]);
    }
  }
  const points = product([...axes].map(([axis, values]) => [axis, values.map((x) => toValue(axis, x))]));
  const rows = [CSV_COLUMNS.join(',')];
  const tick = points.length > 1 ? progressBar('simulate') : () => {};
  let events = 0;
  let wallMs = 0;
  for (const [i, point] of points.entries()) {
    const cfg = { ...fixed, ...point, crypto: v['real-crypto'] ? 'real' : 'plain' } as unknown as ExperimentConfig;
    if (!isThreshold(STRATEGIES[cfg.strategy])) delete cfg.threshold;
    const row = runExperiment(cfg);
    rows.push(csvRow(row));
    events += row.events;
    wallMs += row.wallMs;
    tick(i + 1, points.length);
  }
  const peakMB = process.resourceUsage().maxRSS / 1024;
  process.stderr.write(
    `simulate: ${points.length} runs, ${events} events in ${(wallMs / 1000).toFixed(2)} s ` +
      `(${Math.round(events / Math.max(wallMs / 1000, 1e-3))} events/s), peak RSS ${peakMB.toFixed(0)} MB\n`,
  );
  const csv = `${rows.join('\n')}\n`;
  if (v.out) writeFileSync(v.out, csv);
  else process.stdout.write(csv);
  return 0;
}
