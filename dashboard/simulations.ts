// The simulator's CSVs (one row per run, columns CSV_COLUMNS), reduced for plotting:
// per strategy, the mean completeness, latency and result rate at each failure rate.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CSV_COLUMNS } from '../agent/sim/experiment.ts';

export interface SimulationFile {
  name: string;
  bytes: number;
  modified: string;
}

export interface SeriesPoint {
  failureRate: number;
  runs: number;
  /** Share of runs that produced a result. */
  resultRate: number;
  /** Means over the runs that produced a result; null when none did. */
  completeness: number | null;
  latencyMs: number | null;
}

export interface Simulation {
  name: string;
  rows: number;
  columns: string[];
  series: Array<{ strategy: string; points: SeriesPoint[] }>;
}

const NAME = /^[\w.-]+\.csv$/;

export async function listSimulations(dir: string | undefined): Promise<SimulationFile[]> {
  if (!dir) return [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files = await Promise.all(names.filter((n) => NAME.test(n)).map(async (name) => {
    const s = await stat(path.join(dir, name));
    return s.isFile() ? { name, bytes: s.size, modified: s.mtime.toISOString() } : undefined;
  }));
  return files.filter((f): f is SimulationFile => f !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/** Undefined for a name that is not a CSV of the folder (no path may escape it). */
export async function readSimulation(dir: string | undefined, name: string): Promise<Simulation | undefined> {
  if (!(await listSimulations(dir)).some((f) => f.name === name)) return undefined;
  return parseSimulation(name, await readFile(path.join(dir as string, name), 'utf8'));
}

export function parseSimulation(name: string, csv: string): Simulation {
  const [header = '', ...lines] = csv.split('\n').filter((l) => l.trim());
  const columns = header.split(',').map((c) => c.trim());
  const missing = (['strategy', 'failureRate', 'result', 'completeness', 'latencyMs'] as const).filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new Error(`${name} lacks the columns ${missing.join(', ')} (a simulator CSV has ${CSV_COLUMNS.join(',')})`);
  }
  const at = (cells: string[], column: string) => cells[columns.indexOf(column)];
  const groups = new Map<string, Map<number, string[][]>>();
  for (const line of lines) {
    const cells = line.split(',');
    const strategy = at(cells, 'strategy');
    const rate = Number(at(cells, 'failureRate'));
    const byRate = groups.get(strategy) ?? new Map<number, string[][]>();
    byRate.set(rate, [...(byRate.get(rate) ?? []), cells]);
    groups.set(strategy, byRate);
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const series = [...groups].map(([strategy, byRate]) => ({
    strategy,
    points: [...byRate].sort(([a], [b]) => a - b).map(([failureRate, rows]) => {
      const ok = rows.filter((r) => at(r, 'result') === '1');
      return {
        failureRate,
        runs: rows.length,
        resultRate: ok.length / rows.length,
        completeness: mean(ok.map((r) => Number(at(r, 'completeness')))),
        latencyMs: mean(ok.map((r) => Number(at(r, 'latencyMs')))),
      };
    }),
  }));
  return { name, rows: lines.length, columns, series };
}
