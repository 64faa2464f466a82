// The run list of `npm run reproduce`: grid.json's sweeps expanded into one simulation
// configuration per model, point, strategy and seed. A point's cost terms (latency, crypto,
// compute, detection, who fails…) come from its model's preset, so the paper's model and
// ours run the same points; the sweep's axes override the rest of the defaults.

import { readFileSync } from 'node:fs';
import type { StrategyName } from '../../query-vocab/types.ts';
import type { ExperimentConfig } from '../../agent/sim/experiment.ts';
import { COST_PRESETS, isCostPreset, type CostPresetName } from '../../agent/sim/cost-presets.ts';

type Axes = Record<string, Array<number | string> | number>;

export interface Grid {
  defaults: Record<string, number | string>;
  models: CostPresetName[];
  strategies: StrategyName[];
  seeds: number;
  sweeps: Record<string, Axes>;
  reduced: { seeds: number; sweeps: Record<string, Axes> };
}

export interface Point {
  sweep: string;
  model: CostPresetName;
  cfg: ExperimentConfig;
}

export const GRID_FILE = new URL('./grid.json', import.meta.url).pathname;

export function loadGrid(path = GRID_FILE): Grid {
  const grid = JSON.parse(readFileSync(path, 'utf8')) as Grid;
  for (const model of grid.models) {
    if (!isCostPreset(model)) throw new Error(`${path}: unknown model "${model}": ${Object.keys(COST_PRESETS).join(' or ')}`);
  }
  return grid;
}

export function expand(grid: Grid, full: boolean): Point[] {
  const sweeps = full ? grid.sweeps : grid.reduced.sweeps;
  const points: Point[] = [];
  for (const [sweep, axes] of Object.entries(sweeps)) {
    const seeds = typeof axes.seeds === 'number' ? axes.seeds : full ? grid.seeds : grid.reduced.seeds;
    let combos: Array<Record<string, number | string>> = [{ ...grid.defaults }];
    for (const [axis, values] of Object.entries(axes)) {
      if (axis === 'seeds' || !Array.isArray(values)) continue;
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
    }
    for (const model of grid.models) {
      for (const combo of combos) {
        for (const strategy of grid.strategies) {
          for (let seed = 1; seed <= seeds; seed++) {
            const cfg = { ...COST_PRESETS[model], ...combo, strategy, seed, crypto: 'plain' } as unknown as ExperimentConfig;
            points.push({ sweep, model, cfg });
          }
        }
      }
    }
  }
  return points;
}
