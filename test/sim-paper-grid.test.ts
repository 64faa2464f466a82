// `npm run reproduce`'s run list, checked without running it: the reduced grid reproduces
// the follow-up paper's figures under the authors' cost model and runs ours on the same
// points, and every run takes its cost terms from its model's preset.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COST_PRESETS } from '../agent/sim/cost-presets.ts';
import { expand, loadGrid } from '../examples/paper-grid/grid.ts';
import { THEIRS } from '../examples/paper-grid/reference.ts';

const grid = loadGrid();
const reduced = expand(grid, false);

test('the reduced grid runs the paper\'s figures under dissec2023 and under our model, 3 seeds each', () => {
  const paperPoint = (model: string) =>
    reduced.filter((p) => p.model === model && p.sweep === 'failure' && p.cfg.depth === 4 && p.cfg.fanout === 8 && p.cfg.groupSize === 5 && p.cfg.vectorSize === 1024);
  for (const model of ['dissec2023', 'podagg']) {
    const points = paperPoint(model);
    for (const [rate, strategies] of Object.entries(THEIRS)) {
      for (const strategy of Object.keys(strategies)) {
        const seeds = points.filter((p) => p.cfg.failureRate === Number(rate) && p.cfg.strategy === strategy).map((p) => p.cfg.seed);
        assert.deepEqual(seeds, [1, 2, 3], `${model}, ${strategy} at ${rate}`);
      }
    }
  }
});

test('every run takes its cost terms from its model, with no time-matched crypto cost', () => {
  for (const p of reduced) {
    for (const [key, value] of Object.entries(COST_PRESETS[p.model])) {
      assert.equal(p.cfg[key as keyof typeof p.cfg], value, `${p.sweep}, ${p.model}: ${key}`);
    }
  }
  assert.ok(!('timeMatched' in grid.sweeps) && !('timeMatched' in grid.reduced.sweeps));
});

test('the reduced grid stays quick and --full keeps 20 seeds', () => {
  assert.ok(reduced.length <= 240, `${reduced.length} runs`);
  const full = expand(grid, true);
  assert.equal(Math.max(...full.map((p) => p.cfg.seed)), 20);
  assert.ok(full.some((p) => p.model === 'dissec2023' && p.cfg.depth === 5));
});
