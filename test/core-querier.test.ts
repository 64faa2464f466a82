// The querier under churn, driven message by message: the root positions of a group that
// stays send corrected versions one after another, so they may never hold one version at
// the same time. A version each of the k positions sent, at any time, is agreed: its share
// at a position is the same sum whenever sent. The querier publishes the best such version,
// exactly, and never a transient smaller one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartialAggregate } from '../query-vocab/types.ts';
import { Run, layoutOf } from '../agent/core/protocol.ts';
import { vecToBytes } from '../agent/core/ring.ts';
import { querierAfterMs } from '../agent/core/strategy.ts';
import { topology } from '../agent/core/topology.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';

function setup() {
  const params = { depth: 1, fanout: 2, groupSize: 3, threshold: 3, strategy: 'HighCompleteness' as const, backupRatio: 0.4, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } };
  const s = buildScenario({ population: 20, selectivity: 1, params, seed: 5, crypto: 'plain', model: idealModel() });
  const querier = s.query.querier;
  const run = new Run(s.context(querier));
  run.handle({ type: 'start' });
  const root = topology(run.ctx.plan).root;
  const length = layoutOf(run.ctx).length;
  let counter = 0;
  /** Root position p's share of a version covering `included` contributors: [count share, sum share]. */
  const send = (position: number, version: string, included: number, share: [bigint, bigint]) => {
    const vec = new BigUint64Array(length);
    vec[0] = share[0];
    vec[1] = share[1];
    const m: PartialAggregate = {
      type: 'PartialAggregate', group: root.id, position, versionId: version, counter: counter++, included, received: 10,
      sealed: vecToBytes(vec), query: s.query.id, sender: root.members[position], recipient: querier,
      sentAt: new Date(s.sim.clock).toISOString(), signature: new Uint8Array(0),
    };
    s.sim.clock += 1;
    return run.handle({ type: 'message', message: m });
  };
  const deadline = () => {
    s.sim.clock = querierAfterMs(params) + 1;
    return run.handle({ type: 'timer', name: 'querier' });
  };
  return { send, deadline, run };
}

// Shares of (count 9, sum 450) for version A, of (count 7, sum 300) for version B, over Z_2^64.
const M = 1n << 64n;
const A: Array<[bigint, bigint]> = [[5n, 100n], [M - 1n, 200n], [5n, 150n]];
const B: Array<[bigint, bigint]> = [[3n, 100n], [2n, 100n], [2n, 100n]];

test('a version every root position sent, never all at once, is agreed and published exactly', () => {
  const { send, deadline, run } = setup();
  send(0, 'A', 9, A[0]);
  send(1, 'A', 9, A[1]);
  send(0, 'B', 7, B[0]); // position 0 moves on before position 2 reaches A
  send(2, 'A', 9, A[2]);
  send(1, 'B', 7, B[1]);
  assert.equal(run.state.querier?.outcome, 'pending', 'A is not complete (9 of 10): the querier waits for better');
  const published = deadline().find((a) => a.type === 'publish');
  assert.ok(published?.type === 'publish', 'published at the deadline');
  assert.equal(published.result.contributors, 9);
  assert.deepEqual(published.result.values.map((v) => (v.value.kind === 'scalar' ? v.value.value : NaN)), [9, 450]);
  assert.equal(run.state.querier?.version, 'A');
});

test('a smaller version agreed later does not replace the best, and sums of versions below it are forgotten', () => {
  const { send, deadline, run } = setup();
  for (const p of [0, 1, 2]) send(p, 'A', 9, A[p]);
  for (const p of [0, 1, 2]) send(p, 'B', 7, B[p]);
  assert.deepEqual(Object.keys(run.state.querier?.sent ?? {}), ['A'], 'B (7 contributors) can no longer beat A: not kept');
  const published = deadline().find((a) => a.type === 'publish');
  assert.ok(published?.type === 'publish');
  assert.equal(published.result.contributors, 9);
});
