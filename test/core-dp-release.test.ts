// Differentially private releases through the core's in-memory loop (the simulator): the
// published values minus the exact ones follow the sum of k root positions' noises (a
// goodness-of-fit test that fails at 1.5 times the scale), no party's view holds the
// noiseless aggregate, each root position releases one sum, which a restart re-sends
// unchanged, strategies that would release twice are refused, negative counts are clamped
// only when the query says so, and the intervals hold the exact values as often as they
// claim. Every run draws from seeded randomness, so each test run is the same.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregateSpec, DifferentialPrivacy, Message, PlanParams, StrategyName } from '../query-vocab/types.ts';
import { releaseOf } from '../agent/core/dp-release.ts';
import { encodeRows } from '../agent/core/encoding.ts';
import { totalPmf } from '../agent/core/noise-distribution.ts';
import { Run, deserialiseState, layoutOf } from '../agent/core/protocol.ts';
import { addInto, bytesToVec, zeros, type Vec } from '../agent/core/ring.ts';
import { open } from '../agent/core/seal.ts';
import { combineAdditive } from '../agent/core/shares.ts';
import { buildScenario, idealModel, type Scenario } from '../agent/sim/scenario.ts';
import { goodnessOfFit } from './helpers/chi-square.ts';

const LAPLACE: DifferentialPrivacy = { mechanism: 'DiscreteLaplace', epsilon: 1, clampNegativeCounts: false };
const GAUSSIAN: DifferentialPrivacy = { mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: false };
const AGGREGATES: AggregateSpec[] = [
  { id: 'urn:test:dp:count', kind: 'Count', unit: 'people' },
  { id: 'urn:test:dp:sum', kind: 'Sum', variable: 'x', lower: 0, upper: 10, precision: 0, unit: 'people' },
];

function params(strategy: StrategyName, depth = 1, fanout = 1): PlanParams {
  return { depth, fanout, groupSize: 3, threshold: 3, strategy, backupRatio: 0, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } };
}

function scenario(seed: number, dp: DifferentialPrivacy | undefined, o: { strategy?: StrategyName; depth?: number; crypto?: 'plain' | 'real'; selectivity?: number; aggregates?: AggregateSpec[]; onAction?: Parameters<typeof buildScenario>[0]['onAction'] } = {}): Scenario {
  const depth = o.depth ?? 1;
  return buildScenario({
    population: depth === 1 ? 12 : 40, selectivity: o.selectivity ?? 0.7, params: params(o.strategy ?? 'SafeAndPrompt', depth, depth === 1 ? 1 : 2), seed,
    crypto: o.crypto ?? 'plain', model: idealModel(), aggregates: o.aggregates ?? AGGREGATES, differentialPrivacy: dp,
    value: (_i, d) => Math.floor(d() * 11), onAction: o.onAction,
  });
}

function published(s: Scenario) {
  s.sim.start();
  const outcome = s.sim.run();
  assert.equal(outcome?.type, 'publish', outcome?.type === 'abort' ? outcome.reason : 'no outcome');
  if (outcome?.type !== 'publish') throw new Error('unreachable');
  return outcome.result;
}

const scalar = (r: ReturnType<typeof published>, i: number) => {
  const v = r.values[i].value;
  assert.equal(v.kind, 'scalar');
  return v.kind === 'scalar' ? v.value : NaN;
};

for (const dp of [LAPLACE, GAUSSIAN]) {
  test(`${dp.mechanism}: over 600 runs the published minus the exact values follow the sum of 3 root noises, and not at 1.5 times the scale`, () => {
    const noise: number[][] = [[], []];
    let scales: number[] = [];
    for (let seed = 1; seed <= 600; seed++) {
      const s = scenario(seed, dp);
      const r = published(s);
      assert.equal(r.contributors, s.values.size);
      noise[0].push(scalar(r, 0) - s.values.size);
      noise[1].push(scalar(r, 1) - [...s.values.values()].reduce((a, b) => a + b, 0));
      scales = r.values.map((v) => v.noise?.[0]?.scale ?? NaN);
      assert.equal(r.privacy?.noiseTerms, 3);
    }
    // ε split over the two statistics, each in proportion to its sensitivity (1 and 10).
    const expected = dp.mechanism === 'DiscreteLaplace' ? [2, 20] : [6.4077, 64.077];
    scales.forEach((sc, i) => assert.ok(Math.abs(sc / expected[i] - 1) < 1e-3, `scale ${sc}, expected ${expected[i]}`));
    noise.forEach((xs, i) => {
      const fit = goodnessOfFit(xs, totalPmf(dp.mechanism, scales[i], 3));
      assert.ok(fit.pValue > 0.01, `${r(i)}: χ² ${fit.chiSquare.toFixed(1)} on ${fit.dof} dof, p ${fit.pValue}`);
      for (const wrong of [scales[i] * 1.5, scales[i] / 1.5]) {
        const off = goodnessOfFit(xs, totalPmf(dp.mechanism, wrong, 3));
        assert.ok(off.pValue < 1e-4, `${r(i)} also fits scale ${wrong}: p ${off.pValue}`);
      }
    });
  });
}
const r = (i: number) => (i === 0 ? 'count' : 'sum');

/** Every vector a party holds: what it opened from the messages it received, and what its run state keeps. */
function views(s: Scenario, received: Map<string, Vec[]>): Array<[string, Vec]> {
  const out: Array<[string, Vec]> = [];
  for (const [w, vs] of received) for (const v of vs) out.push([`${w} received`, v]);
  for (const [w, run] of s.sim.runs) {
    const st = run.state;
    for (const slot of Object.values(st.slots)) {
      for (const input of Object.values(slot.inputs)) out.push([`${w} input`, input.sum]);
      if (slot.emitted?.sum) out.push([`${w} emitted`, slot.emitted.sum]);
    }
    for (const a of Object.values(st.querier?.positions ?? {})) if (a.sum) out.push([`${w} root sum`, a.sum]);
  }
  return out;
}

function exactSum(s: Scenario): Vec {
  const layout = layoutOf(s.context(s.query.querier));
  const sum = zeros(layout.length);
  for (const x of s.values.values()) addInto(sum, encodeRows(layout, [{ x }]), 'z64');
  return sum;
}

/** Runs with real sealing, opening each sealed message with its recipient's key. */
function observed(seed: number, dp: DifferentialPrivacy | undefined) {
  const received = new Map<string, Vec[]>();
  const sent: Message[] = [];
  const s = scenario(seed, dp, { depth: 2, crypto: 'real', onAction: (_w, _t, a) => void (a.type === 'send' && sent.push(a.message)) });
  const result = published(s);
  for (const m of sent) {
    if (m.type !== 'Contribution' && m.type !== 'PartialAggregate') continue;
    const keys = s.keys.get(m.recipient);
    assert.ok(keys);
    const plain = open(m.sealed, keys.x25519.secretKey, { query: m.query, group: m.group, position: m.position, sender: m.sender, recipient: m.recipient, kind: m.type === 'Contribution' ? 'share' : 'partial' });
    received.set(m.recipient, [...(received.get(m.recipient) ?? []), bytesToVec(plain)]);
  }
  const querier = s.sim.runs.get(s.query.querier) as Run;
  const rootSums = Object.values(querier.state.querier?.positions ?? {}).map((a) => a.sum as Vec);
  return { s, result, received, sent, reconstruction: combineAdditive(rootSums) };
}

test('no party sees the noiseless aggregate: not in any message it opens, not in its state, not in the querier\'s reconstruction', () => {
  const same = (a: Vec, b: Vec) => a.length === b.length && a.every((x, i) => x === b[i]);
  // Without noise the querier reconstructs the exact sum: the check below can see it.
  const plain = observed(7, undefined);
  assert.ok(same(plain.reconstruction, exactSum(plain.s)));
  for (let seed = 1; seed <= 5; seed++) {
    const { s, result, received, reconstruction } = observed(seed, GAUSSIAN);
    const exact = exactSum(s);
    const seen = views(s, received);
    assert.ok(seen.length > 20, `${seen.length} vectors seen`);
    for (const [who, v] of seen) assert.ok(!same(v, exact), `${who} holds the exact aggregate`);
    assert.ok(!same(reconstruction, exact), 'the querier reconstructed the exact aggregate');
    assert.notEqual(scalar(result, 1), [...s.values.values()].reduce((a, b) => a + b, 0), 'the published sum is exact');
  }
});

test('each root position releases one sum, and a restarted root member re-sends that same sum', () => {
  for (const strategy of ['SafeAndPrompt', 'LowCost'] as const) {
    const partials: Message[] = [];
    const s = scenario(11, LAPLACE, { strategy, depth: 2, onAction: (_w, _t, a) => void (a.type === 'send' && a.message.type === 'PartialAggregate' && a.to === s.query.querier && partials.push(a.message)) });
    published(s);
    const positions = partials.map((m) => (m.type === 'PartialAggregate' ? m.position : -1)).sort();
    assert.deepEqual(positions, [0, 1, 2], strategy);
  }
  // A root member killed before its send was acknowledged resends it from its saved state: the same noisy sum, no fresh draw.
  let saved: { root: string; state: string; message: Message } | null = null;
  const s = scenario(12, GAUSSIAN, {
    depth: 2,
    onAction: (w, _t, a) => {
      if (!saved && a.type === 'send' && a.message.type === 'PartialAggregate' && a.to === s.query.querier) saved = { root: w, state: (s.sim.runs.get(w) as Run).serialise(), message: a.message };
    },
  });
  published(s);
  assert.ok(saved);
  const { root, state, message } = saved as { root: string; state: string; message: Message };
  const resent = new Run(s.context(root), deserialiseState(state)).handle({ type: 'resume' }).filter((a) => a.type === 'send' && a.to === s.query.querier);
  assert.equal(resent.length, 1);
  assert.deepEqual(resent[0].type === 'send' && resent[0].message, message);
});

test('strategies that would release twice, and Shamir sharing, are refused with their reason; the roots then release nothing', () => {
  const reasons: Record<string, RegExp> = {
    HighCompleteness: /re-send corrected sums.*spends ε again/,
    Hybrid: /re-send corrected sums/,
    Threshold: /Lagrange coefficients/,
  };
  for (const [strategy, reason] of Object.entries(reasons) as Array<[StrategyName, RegExp]>) {
    const s = scenario(3, GAUSSIAN, { strategy, depth: 2 });
    assert.throws(() => releaseOf(s.context(s.query.querier)), reason);
    const toQuerier: Message[] = [];
    const t = scenario(3, GAUSSIAN, { strategy, depth: 2, onAction: (_w, _time, a) => void (a.type === 'send' && a.message.type === 'PartialAggregate' && a.to === t.query.querier && toQuerier.push(a.message)) });
    t.sim.start();
    const outcome = t.sim.run();
    assert.equal(outcome?.type, 'abort', strategy);
    assert.equal(toQuerier.length, 0, `${strategy}: a root position released a sum`);
  }
  const hidden = scenario(3, GAUSSIAN);
  assert.throws(() => releaseOf({ ...hidden.context(hidden.query.querier), query: { ...hidden.query, hideParticipation: false } }), /hides participation/);
});

test('negative counts are published as 0 only when the query declares it, and the result says which', () => {
  const counts = (dp: DifferentialPrivacy) => {
    const seen: number[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const s = scenario(seed, { ...dp, epsilon: 0.2 }, { selectivity: 0.2 });
      if (s.values.size === 0) continue; // the root refuses to release a sum of nobody
      const res = published(s);
      assert.equal(res.privacy?.clampNegativeCounts, dp.clampNegativeCounts);
      seen.push(scalar(res, 0));
    }
    return seen;
  };
  assert.ok(counts(LAPLACE).some((c) => c < 0), 'unclamped counts go below 0');
  const clamped = counts({ ...LAPLACE, clampNegativeCounts: true });
  assert.ok(clamped.every((c) => c >= 0) && clamped.some((c) => c === 0));
});

test('the 95 % intervals hold the exact values in at least 93 % of 400 runs, for counts, sums, means, variances and histograms', () => {
  const aggregates: AggregateSpec[] = [
    ...AGGREGATES,
    { id: 'urn:test:dp:mean', kind: 'Mean', variable: 'x', lower: 0, upper: 10, unit: 'people' },
    { id: 'urn:test:dp:variance', kind: 'Variance', variable: 'x', lower: 0, upper: 10, unit: 'people' },
    { id: 'urn:test:dp:histogram', kind: 'Histogram', variable: 'x', bins: [{ lower: 0, upper: 5 }, { lower: 5, upper: 10 }], unit: 'people' },
  ];
  for (const dp of [LAPLACE, GAUSSIAN]) {
    const held = new Array<number>(6).fill(0);
    const runs = 400;
    for (let seed = 1; seed <= runs; seed++) {
      const s = buildScenario({ population: 60, selectivity: 0.8, params: params('SafeAndPrompt'), seed, crypto: 'plain', model: idealModel(), aggregates, differentialPrivacy: { ...dp, epsilon: 4 }, value: (_i, d) => Math.floor(d() * 11) });
      const res = published(s);
      const xs = [...s.values.values()];
      const n = xs.length;
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const exact = [n, mean * n, mean, xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n];
      const bins = [xs.filter((x) => x < 5).length, xs.filter((x) => x >= 5).length];
      res.values.forEach((v, i) => {
        const iv = v.interval;
        assert.ok(iv, `${v.aggregate} has no interval`);
        if (iv.lower.kind === 'scalar' && iv.upper.kind === 'scalar') {
          if (iv.lower.value <= exact[i] + 1e-9 && exact[i] <= iv.upper.value + 1e-9) held[i]++;
        } else if (iv.lower.kind === 'histogram' && iv.upper.kind === 'histogram') {
          const lo = iv.lower.counts;
          const hi = iv.upper.counts;
          bins.forEach((b, j) => void (lo[j] <= b && b <= hi[j] && held[4 + j]++));
        }
      });
    }
    held.forEach((h, i) => assert.ok(h >= 0.93 * runs, `${dp.mechanism}: interval ${i} held ${h} of ${runs}`));
  }
});
