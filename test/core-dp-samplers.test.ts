// The exact noise samplers (discrete-noise.ts) against their distributions, on seeded
// randomness so each run draws the same samples: uniform integers, exp(−γ) coins, and the
// discrete Laplace and Gaussian at integer, fractional and sub-unit scales, each fitting its
// probability mass function (noise-distribution.ts) and each rejected at 1.5 times its scale.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bernoulliExp, discreteGaussian, discreteLaplace, uniformBelow, type Rational } from '../agent/core/discrete-noise.ts';
import { drawPmf, noiseHalfWidth, totalPmf } from '../agent/core/noise-distribution.ts';
import { ProtocolError } from '../agent/core/errors.ts';
import { seededRandom } from '../agent/core/random.ts';
import { goodnessOfFit } from './helpers/chi-square.ts';

const N = 20_000;
const draw = (n: number, f: () => bigint) => Array.from({ length: n }, () => Number(f()));
const value = (r: Rational) => Number(r.n) / Number(r.d);

test('uniform integers below m are uniform, whatever the bytes m needs', () => {
  for (const m of [1n, 7n, 256n, 1000n, 70_001n]) {
    const random = seededRandom(`uniform/${m}`);
    const xs = draw(N, () => uniformBelow(m, random));
    assert.ok(xs.every((x) => x >= 0 && x < Number(m)));
    if (m > 1n && m <= 1000n) {
      const p = new Float64Array(Number(m)).fill(1 / Number(m));
      const fit = goodnessOfFit(xs, { offset: 0, p });
      assert.ok(fit.pValue > 1e-3, `m ${m}: p ${fit.pValue}`);
    }
  }
  assert.throws(() => uniformBelow(0n, seededRandom(1)), ProtocolError);
});

test('exp(−γ) coins land heads with probability exp(−γ), for γ below, at and above 1', () => {
  for (const g of [{ n: 3n, d: 10n }, { n: 1n, d: 1n }, { n: 5n, d: 2n }, { n: 0n, d: 1n }]) {
    const random = seededRandom(`coin/${g.n}/${g.d}`);
    let heads = 0;
    for (let i = 0; i < N; i++) if (bernoulliExp(g, random)) heads++;
    const p = Math.exp(-value(g));
    const z = (heads - N * p) / Math.sqrt(N * p * (1 - p) || 1);
    assert.ok(Math.abs(z) < 4, `γ ${value(g)}: ${heads} of ${N}, expected ${(N * p).toFixed(0)}`);
  }
});

const cases: Array<{ name: string; mechanism: 'DiscreteLaplace' | 'DiscreteGaussian'; param: Rational; scale: number }> = [
  { name: 'Laplace t = 3', mechanism: 'DiscreteLaplace', param: { n: 3n, d: 1n }, scale: 3 },
  { name: 'Laplace t = 5/2', mechanism: 'DiscreteLaplace', param: { n: 5n, d: 2n }, scale: 2.5 },
  { name: 'Laplace t = 1/2', mechanism: 'DiscreteLaplace', param: { n: 1n, d: 2n }, scale: 0.5 },
  { name: 'Gaussian σ² = 1/4', mechanism: 'DiscreteGaussian', param: { n: 1n, d: 4n }, scale: 0.5 },
  { name: 'Gaussian σ² = 2', mechanism: 'DiscreteGaussian', param: { n: 2n, d: 1n }, scale: Math.SQRT2 },
  { name: 'Gaussian σ² = 10307/1024', mechanism: 'DiscreteGaussian', param: { n: 10307n, d: 1024n }, scale: Math.sqrt(10307 / 1024) },
];

for (const c of cases) {
  test(`the discrete ${c.name} fits its distribution, and not one 1.5 times as wide or narrow`, () => {
    const random = seededRandom(`sampler/${c.name}`);
    const sample = c.mechanism === 'DiscreteLaplace' ? () => discreteLaplace(c.param, random) : () => discreteGaussian(c.param, random);
    const xs = draw(N, sample);
    const fit = goodnessOfFit(xs, drawPmf(c.mechanism, c.scale));
    assert.ok(fit.pValue > 1e-3, `${c.name}: χ² ${fit.chiSquare.toFixed(1)} on ${fit.dof} dof, p ${fit.pValue}`);
    for (const wrong of [c.scale * 1.5, c.scale / 1.5]) {
      const off = goodnessOfFit(xs, drawPmf(c.mechanism, wrong));
      assert.ok(off.pValue < 1e-6, `${c.name} passed as scale ${wrong}: p ${off.pValue}`);
    }
  });
}

test('bad scales are refused', () => {
  const random = seededRandom(2);
  assert.throws(() => discreteLaplace({ n: 0n, d: 1n }, random), /scale must be positive/);
  assert.throws(() => discreteGaussian({ n: -1n, d: 1n }, random), /variance must be positive/);
});

test('the total noise of k draws: its PMF sums to 1 and its half-widths hold the confidence, exactly or in the continuous limit', () => {
  for (const mechanism of ['DiscreteLaplace', 'DiscreteGaussian'] as const) {
    const { offset, p } = totalPmf(mechanism, 4, 3);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    const h = noiseHalfWidth(mechanism, 4, 3, 0.95);
    let inside = 0;
    for (let x = -h; x <= h; x++) inside += p[x - offset];
    assert.ok(inside >= 0.95 && inside - p[h - offset] - p[-h - offset] < 0.95, `${mechanism}: ±${h} holds ${inside}`);
  }
  // Far beyond the exact range: the Gaussian's 1.96 σ √k, and Laplace sums widening with k.
  assert.ok(Math.abs(noiseHalfWidth('DiscreteGaussian', 1e5, 4, 0.95) / (1.959964 * 2e5) - 1) < 1e-4);
  const one = noiseHalfWidth('DiscreteLaplace', 1e5, 1, 0.95);
  assert.ok(Math.abs(one / (1e5 * Math.log(20)) - 1) < 1e-6, `one Laplace: ${one}`);
  assert.ok(noiseHalfWidth('DiscreteLaplace', 1e5, 3, 0.95) > one);
  // The two regimes meet: just inside and just beyond the exact range agree within a unit or two.
  const exact = noiseHalfWidth('DiscreteLaplace', 100, 3, 0.95);
  const limit = noiseHalfWidth('DiscreteLaplace', 120, 3, 0.95) * (100 / 120);
  assert.ok(Math.abs(exact - limit) < 2, `${exact} against ${limit}`);
});
