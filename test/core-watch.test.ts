// watch.ts on its own: whom a run's failure detector watches (Run.watched()), whether
// peers depend on an agent (its heartbeat), and until when, and who may watch a peer
// (mayWatch). Over Solid the transport watches exactly these peers, and the simulator
// tells a failure only to runs naming it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanParams, StrategyName, WebId } from '../query-vocab/types.ts';
import { candidates } from '../agent/core/backup.ts';
import { Run } from '../agent/core/protocol.ts';
import { Env } from '../agent/core/runtime.ts';
import { slotKey } from '../agent/core/state.ts';
import { querierAfterMs } from '../agent/core/strategy.ts';
import { topology } from '../agent/core/topology.ts';
import { isDependedOn, mayWatch, runEndsAt, watched } from '../agent/core/watch.ts';
import { buildScenario, idealModel, type Scenario } from '../agent/sim/scenario.ts';

function params(strategy: StrategyName): PlanParams {
  return { depth: 2, fanout: 2, groupSize: 3, threshold: 3, strategy, backupRatio: 0.4, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } };
}

function scenario(strategy: StrategyName): Scenario {
  return buildScenario({ population: 40, selectivity: 1, params: params(strategy), seed: 1, crypto: 'plain', model: idealModel() });
}

function started(s: Scenario, w: WebId, at = 0): { run: Run; clock: { now: number } } {
  const clock = { now: at };
  const run = new Run({ ...s.context(w), now: () => clock.now });
  run.handle({ type: 'start' });
  return { run, clock };
}

const member = (s: Scenario, group: string, position: number): WebId => {
  const g = topology(s.context(s.query.querier).plan).groups.get(group);
  assert.ok(g);
  return g.members[position];
};

test('the querier watches the root group while its outcome is pending, and no one after the run ends', () => {
  const s = scenario('HighCompleteness');
  const { run, clock } = started(s, s.query.querier);
  const root = ['g', 'g', 'g'].map((g, p) => member(s, g, p));
  assert.deepEqual([...run.watched()].filter((w) => root.includes(w)).sort(), [...root].sort());
  clock.now = querierAfterMs(params('HighCompleteness')) + 1;
  assert.deepEqual(run.watched(), []);
});

test('runEndsAt is the querier deadline from the run\'s start; isDependedOn holds for roles and the querier only', () => {
  const s = scenario('SafeAndPrompt');
  const { run } = started(s, member(s, 'g.0', 0), 250);
  const env = new Env(run.ctx, run.state);
  assert.equal(runEndsAt(env), 250 + querierAfterMs(params('SafeAndPrompt')));
  const plan = s.context(s.query.querier).plan;
  const topo = topology(plan);
  const contributor = Object.keys(plan.zones).find((w) => !topo.slotsOf.has(w) && !plan.backups.includes(w) && w !== s.query.querier);
  assert.ok(contributor);
  assert.equal(isDependedOn(env, member(s, 'g', 1)), true);
  assert.equal(isDependedOn(env, plan.backups[0]), true);
  assert.equal(isDependedOn(env, s.query.querier), true);
  assert.equal(isDependedOn(env, contributor), false);
});

test('a leaf member watches its group peers and its parent position; a dead peer is replaced by its backup where leaves are replaced', () => {
  for (const [strategy, replaced] of [['HighCompleteness', true], ['SafeAndPrompt', false]] as const) {
    const s = scenario(strategy);
    const { run } = started(s, member(s, 'g.1', 0));
    const w = run.watched();
    for (const peer of [member(s, 'g.1', 1), member(s, 'g.1', 2), member(s, 'g', 0)]) assert.ok(w.includes(peer), `${strategy}: ${peer}`);
    const zone = new Set(topology(run.ctx.plan).zones.get('g.1'));
    assert.ok(zone.has(member(s, 'g', 1)) || !w.includes(member(s, 'g', 1)), `${strategy}: not another position of the parent`);
    const dead = member(s, 'g.1', 1);
    run.handle({ type: 'peerFailed', webId: dead });
    const backup = candidates(topology(run.ctx.plan), 'g.1', 1)[1];
    assert.ok(!run.watched().includes(dead), `${strategy}: the dead peer is no longer watched`);
    assert.equal(run.watched().includes(backup), replaced, `${strategy}: its backup ${replaced ? 'is' : 'is not'} watched`);
  }
});

test('a contributor watches its leaf group only where leaves are replaced (it would re-send to a backup), to the end of the run', () => {
  for (const [strategy, watches] of [['HighCompleteness', true], ['Hybrid', false], ['SafeAndPrompt', false]] as const) {
    const s = scenario(strategy);
    const plan = s.context(s.query.querier).plan;
    const topo = topology(plan);
    const contributor = Object.keys(plan.zones).find((w) => !topo.slotsOf.has(w) && !plan.backups.includes(w) && w !== s.query.querier);
    assert.ok(contributor);
    const { run, clock } = started(s, contributor);
    run.handle({ type: 'contribute', vector: new BigUint64Array(2) as never, consent: `${contributor}#consent` });
    const leaf = plan.zones[contributor];
    assert.equal(run.watched().includes(member(s, leaf, 0)), watches, strategy);
    // A leaf backup takes over whenever its planned member dies, also after the leaf summed,
    // and sums afresh from what is re-sent to it.
    clock.now = querierAfterMs(plan.params) - 1;
    assert.equal(run.watched().includes(member(s, leaf, 0)), watches, `${strategy}, just before the run ends`);
    clock.now = querierAfterMs(plan.params) + 1;
    assert.deepEqual(run.watched(), [], `${strategy}, after the run`);
  }
});

test('mayWatch names every run that watches a peer: a superset of watched() in every run of simulations with failures', () => {
  for (const strategy of ['HighCompleteness', 'Hybrid', 'SafeAndPrompt', 'LowCost', 'Threshold'] as const) {
    const p = params(strategy);
    for (const failing of ['roles', 'everyone'] as const) {
      const s = buildScenario({
        population: 60, selectivity: 0.8, params: strategy === 'Threshold' ? { ...p, threshold: 2 } : p, seed: 3, crypto: 'plain', model: idealModel(),
        failureRate: failing === 'roles' ? 0.3 : 0.5, failing,
      });
      const topo = topology(s.context(s.query.querier).plan);
      s.sim.start();
      let checked = 0;
      for (let t = 0; t <= querierAfterMs(p) && !s.sim.outcome; t += 5) {
        s.sim.run(t);
        for (const [w, run] of s.sim.runs) {
          for (const x of run.watched()) {
            assert.ok(mayWatch(topo, s.query.querier, x).has(w), `${strategy}, ${failing} failing, at ${t} ms: ${w} watches ${x}, which mayWatch leaves out`);
            checked++;
          }
        }
      }
      assert.ok(checked > 50, `${strategy}, ${failing}: ${checked} watches checked`);
      assert.ok(s.failures.length > 0, `${strategy}, ${failing}: some node fails`);
    }
  }
});

test('a staying inner member watches the child holder at a peer position whose confirmation lacks that child, until it holds it', () => {
  const s = scenario('HighCompleteness');
  const { run } = started(s, member(s, 'g', 0));
  const slot = run.state.slots[slotKey('g', 0)];
  assert.ok(slot);
  const child = member(s, 'g.0', 1);
  assert.ok(!run.watched().includes(child), 'a replaced child is not watched while collecting');
  slot.inputs['g.0'] = { version: 'v', counter: 0, included: 4, received: 4, final: true, sum: new BigUint64Array(2) as never };
  slot.peers['1'] = { entries: [], sentAt: '', from: member(s, 'g', 1) };
  assert.ok(watched(new Env(run.ctx, run.state)).includes(child), 'peer 1 lacks g.0: its holder at position 1 decides whether it can still come');
  slot.peers['1'] = { entries: ['g.0=v'], sentAt: '', from: member(s, 'g', 1) };
  assert.ok(!run.watched().includes(child), 'once peer 1 holds g.0 there is nothing to wait for');
});
