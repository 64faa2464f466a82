// The command line and differential privacy: `query check` explains a differentially
// private query that cannot be released (a strategy that re-releases, Shamir sharing, an
// aggregate without a derived sensitivity, ε ≤ 0), and a result prints each value with
// its 95 % interval, each statistic's noise scale and sensitivity, and the release.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryCheck } from '../cli/query-check.ts';
import { formatResult } from '../cli/result-format.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';

const DP = fileURLToPath(new URL('../examples/queries/dp-steps.ttl', import.meta.url));
const NOW = ['--now', '2026-01-01T00:00:00Z'];

async function check(turtle: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'podagg-dp-check-')), 'q.ttl');
  writeFileSync(file, turtle);
  const out: string[] = [];
  const err: string[] = [];
  const code = await queryCheck([...NOW, file], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('query check passes the differentially private example and explains the ones that cannot be released', async () => {
  const text = readFileSync(DP, 'utf8');
  const ok = await check(text);
  assert.equal(ok.code, 0, ok.err.join('\n'));
  assert.deepEqual(ok.out, ['ok: Daily steps of people over 50, differentially private']);
  const cases: Array<[string, RegExp]> = [
    [text.replace('pa:expectedSelectivity 0.8 ;', 'pa:expectedSelectivity 0.8 ; pa:fixedParams [ pa:strategy pa:HighCompleteness ] ;'), /> pa:fixedParams: strategy HighCompleteness lets a root position re-send corrected sums, and every noisy release of overlapping contributors spends ε again/],
    [text.replace('pa:expectedSelectivity 0.8 ;', 'pa:expectedSelectivity 0.8 ; pa:fixedParams [ pa:strategy pa:Threshold ; pa:groupSize 4 ; pa:threshold 3 ] ;'), /> pa:fixedParams: strategy Threshold combines the root's Shamir shares with Lagrange coefficients/],
    [text.replace('a pa:Count', 'a pa:Training ; pa:unit pa:Rows ; pa:maxRows 10 ; pa:trainer [ a pa:NaiveBayes ; pa:label "steps" ; pa:classes ( "a" "b" ) ; pa:variable "steps" ; pa:vocabulary ( "x" ) ]'), /#aggregate-1> rdf:type: the sensitivity of a model update \(pa:Training, pa:Evaluation\) is not derived/],
    [text.replace('pa:upper 20000', 'pa:upper 1e15'), />\/dpv:hasTechnicalMeasure pa:epsilon: aggregate .*#aggregate-2: its sum would need noise of scale .* above 2\^40/],
    [text.replace('pa:epsilon 1 ;', 'pa:epsilon 0 ;'), />\/dpv:hasTechnicalMeasure pa:epsilon: ε 0 must be above 0$/],
  ];
  for (const [turtle, expected] of cases) {
    const r = await check(turtle);
    assert.equal(r.code, 1);
    assert.ok(r.err.some((l) => expected.test(l)), `expected ${expected}, got:\n${r.err.join('\n')}`);
  }
});

test('a differentially private result prints each value with its interval and noise, and how it was released', () => {
  const s = buildScenario({
    population: 30, selectivity: 0.8, seed: 5, crypto: 'plain', model: idealModel(),
    params: { depth: 1, fanout: 1, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } },
    aggregates: [
      { id: 'urn:test:count', kind: 'Count', unit: 'people' },
      { id: 'urn:test:histogram', kind: 'Histogram', variable: 'x', bins: [{ lower: 0, upper: 50 }, { lower: 50, upper: 100 }], unit: 'people' },
    ],
    differentialPrivacy: { mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: true },
  });
  s.sim.start();
  const outcome = s.sim.run();
  assert.equal(outcome?.type, 'publish');
  if (outcome?.type !== 'publish') return;
  const text = formatResult(s.query, outcome.result);
  const [count, histogram] = outcome.result.values;
  assert.ok(count.value.kind === 'scalar' && count.interval?.lower.kind === 'scalar' && count.interval.upper.kind === 'scalar');
  assert.match(text, new RegExp(`^  Count +${count.value.value} \\[${count.interval.lower.value}, ${count.interval.upper.value}\\]$`, 'm'));
  assert.match(text, /^  Histogram\(x\) +\[0, 50\): -?\d+ \[\d+, \d+\]  \[50, 100\): -?\d+ \[\d+, \d+\]$/m);
  assert.match(text, /^ {27}noise: count σ 6\.40\d* \(sensitivity 1\)$/m);
  assert.match(text, /^ {27}noise: count σ 9\.06\d* \(sensitivity 1\.41421\)$/m); // √2 and two statistics: σ = Δ₂ √(2 / 2ρ)
  assert.match(text, /^  differentially private: discrete Gaussian noise, ε 1, δ 0\.000001; 3 draws in each sum \(one per root position\); negative counts published as 0; intervals at 95 %$/m);
  assert.ok(histogram.noise?.length === 1);
});
