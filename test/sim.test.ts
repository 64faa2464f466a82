// The simulator: deterministic per seed, complete and exact without failures, and built
// on the core's protocol modules only (no protocol logic of its own).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { csvRow, runExperiment, type ExperimentConfig } from '../agent/sim/experiment.ts';
import { STRATEGIES } from '../agent/core/strategy.ts';
import type { StrategyName } from '../query-vocab/types.ts';

const base: ExperimentConfig = {
  strategy: 'HighCompleteness',
  depth: 3,
  fanout: 4,
  groupSize: 4,
  vectorSize: 256,
  selectivity: 0.8,
  failureRate: 0.01,
  latency: 'uniform:10:50',
  bandwidth: 1e4,
  cryptoMs: 5,
  backupRatio: 0.2,
  seed: 7,
  crypto: 'plain',
};

test('the same seed gives the same CSV row', () => {
  const strip = (s: string) => s.split(',').slice(0, -1).join(','); // wall time differs
  assert.equal(strip(csvRow(runExperiment(base))), strip(csvRow(runExperiment(base))));
  assert.notEqual(strip(csvRow(runExperiment(base))), strip(csvRow(runExperiment({ ...base, seed: 8 }))));
});

test('with no failures every strategy is 100 % complete', () => {
  for (const strategy of Object.keys(STRATEGIES) as StrategyName[]) {
    const row = runExperiment({ ...base, strategy, failureRate: 0 });
    assert.equal(row.result, 1, strategy);
    assert.equal(row.completeness, 1, strategy);
  }
});

test('the simulator holds no protocol logic: it drives agent/core runs', () => {
  for (const file of readdirSync(new URL('../agent/sim/', import.meta.url))) {
    const src = readFileSync(new URL(`../agent/sim/${file}`, import.meta.url), 'utf8');
    assert.doesNotMatch(src, /from '\.\.\/core\/(aggregator|contributor|querier|admission)\.ts'/, `${file} reaches into a role`);
  }
  const network = readFileSync(new URL('../agent/sim/network.ts', import.meta.url), 'utf8');
  assert.match(network, /from '\.\.\/core\/protocol\.ts'/);
});
