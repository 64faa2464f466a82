// The simulator: deterministic per seed, complete and exact without failures, and built
// on the core's protocol modules only (no protocol logic of its own).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AggregateValue, StrategyName } from '../query-vocab/types.ts';
import { STRATEGIES, querierAfterMs } from '../agent/core/strategy.ts';
import { proposePlan } from '../agent/core/planner.ts';
import { includedContributors } from '../agent/core/audit.ts';
import { topology } from '../agent/core/topology.ts';
import type { Run } from '../agent/core/protocol.ts';
import { runExperiment, type ExperimentConfig } from '../agent/sim/experiment.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';
import { simulate } from '../cli/simulate.ts';

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

const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

test('the same seed gives the same CSV, byte for byte; another seed another', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podagg-sim-'));
  const stderr = process.stderr.write;
  try {
    process.stderr.write = () => true; // the summary line
    const sweep = ['--depth', '3', '--fanout', '4', '--group-size', '4', '--strategy', 'Hybrid,Threshold', '--failure-rate', '0.02', '--latency', 'exp:20'];
    const csv = async (seed: string, name: string) => {
      await simulate([...sweep, '--seed', seed, '--out', join(dir, name)]);
      return readFileSync(join(dir, name), 'utf8');
    };
    const a = await csv('3', 'a.csv');
    assert.equal(a.trim().split('\n').length, 3);
    assert.equal(await csv('3', 'b.csv'), a);
    assert.notEqual(await csv('4', 'c.csv'), a);
  } finally {
    process.stderr.write = stderr;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with no failures every strategy is 100 % complete and the result is the plaintext aggregate', () => {
  for (const strategy of STRATEGY_NAMES) {
    const threshold = strategy === 'Threshold' ? 2 : 3;
    const params = proposePlan({
      population: 60,
      selectivity: 0.7,
      latencyMs: 5,
      cryptoMs: 0,
      vectorLength: 2,
      failureRate: 0,
      minGroupSize: threshold,
      fixed: { depth: 2, fanout: 3, groupSize: 3, strategy, threshold },
    }).params;
    // Real sealing and signing: the plaintext never shortcuts the protocol here.
    const s = buildScenario({ population: 60, selectivity: 0.7, params, seed: 11, crypto: 'real', model: idealModel() });
    s.sim.start();
    const outcome = s.sim.run();
    assert.equal(outcome?.type, 'publish', `${strategy}: ${outcome?.type === 'abort' ? outcome.reason : 'no outcome'}`);
    if (outcome?.type !== 'publish') continue;
    const values = [...s.values.values()];
    const byKind = new Map<string, AggregateValue>(outcome.result.values.map((v) => [v.kind, v.value]));
    assert.equal(outcome.result.contributors, values.length, strategy);
    assert.equal(s.sim.contributors, values.length, strategy);
    assert.equal(outcome.result.completeness, 1, strategy);
    assert.deepEqual(byKind.get('Count'), { kind: 'scalar', value: values.length }, strategy);
    assert.deepEqual(byKind.get('Sum'), { kind: 'scalar', value: values.reduce((a, b) => a + b, 0) }, strategy);
    assert.deepEqual(includedContributors([...s.sim.runs.values()].map((r) => r.state), s.sim.runs.get(s.query.querier)!.state, rootOf(s.sim.runs.get(s.query.querier)!)), [...s.values.keys()].sort(), strategy);
    assert.deepEqual(s.sim.rejects, [], strategy);
  }
});

test('with no failures every strategy is 100 % complete at the paper shape (stand-in crypto)', () => {
  for (const strategy of STRATEGY_NAMES) {
    const row = runExperiment({ ...base, strategy, failureRate: 0 });
    assert.equal(row.result, 1, strategy);
    assert.equal(row.completeness, 1, strategy);
    assert.equal(row.reportedCompleteness, 1, strategy);
  }
});

test('completeness counts every member that sent shares, even under a subtree that vanished', () => {
  const row = runExperiment({ ...base, strategy: 'SafeAndPrompt', failureRate: 0.05, seed: 3 });
  assert.ok(row.completeness <= row.reportedCompleteness + 1e-12, `${row.completeness} > ${row.reportedCompleteness}`);
});

// The simulator may use the core's public entry (protocol.ts, io.ts), the plan and its
// indexes (sortition, topology, backup chains for the failure detector), the planner for
// timeouts, encoding for the contributors' vectors, and the crypto suite it stubs. It
// must not reach into a role, and must never build a protocol message itself.
const ALLOWED_CORE = new Set([
  'protocol', 'io', 'suite', 'topology', 'backup', 'sortition', 'planner', 'strategy', 'encoding', 'keys', 'random', 'version',
]);

test('the simulator holds no protocol logic: it drives the same agent/core runs as the Solid transport', () => {
  const dir = new URL('../agent/sim/', import.meta.url);
  for (const file of readdirSync(dir)) {
    const src = readFileSync(new URL(file, dir), 'utf8');
    for (const [, spec] of src.matchAll(/from '([^']+)'/g)) {
      if (spec.startsWith('node:') || spec.startsWith('./') || spec === '../../query-vocab/types.ts') continue;
      const core = /^\.\.\/core\/([\w-]+)\.ts$/.exec(spec);
      assert.ok(core && ALLOWED_CORE.has(core[1]), `${file} imports ${spec}`);
    }
    assert.doesNotMatch(src, /type: '(Contribution|PartialAggregate|Confirmation|Announcement)'/, `${file} builds a protocol message`);
    assert.doesNotMatch(src, /\b(addInto|splitAdditive|splitShamir|combineAdditive|combineShamir)\b/, `${file} does share arithmetic`);
  }
  const drives = (path: string) => /import \{[^}]*\bRun\b[^}]*\} from '\.\.\/core\/protocol\.ts'/.test(readFileSync(new URL(path, import.meta.url), 'utf8'));
  assert.ok(drives('../agent/sim/network.ts'), 'the simulator drives core Runs');
  const solid = new URL('../agent/solid/agent.ts', import.meta.url);
  if (readdirSync(new URL('../agent/solid/', import.meta.url)).includes('agent.ts')) assert.ok(drives(solid.pathname), 'the Solid transport drives core Runs');
});

function rootOf(run: Run): string {
  return topology(run.ctx.plan).root.id;
}

test('a member with no role that declines holds no run while it evaluates, and one that dies meanwhile sends no abstention', () => {
  const params = proposePlan({
    population: 120, selectivity: 0.4, latencyMs: 5, cryptoMs: 0, vectorLength: 2, failureRate: 0,
    fixed: { depth: 2, fanout: 4, groupSize: 3, strategy: 'HighCompleteness' },
  }).params;
  const s = buildScenario({ population: 120, selectivity: 0.4, params, seed: 5, crypto: 'plain', model: { ...idealModel(), evaluateMs: 50 } });
  const plan = s.context(s.query.querier).plan;
  const roles = new Set([s.query.querier, ...plan.groups.flatMap((g) => g.members), ...plan.backups]);
  const decliners = Object.keys(plan.zones).filter((w) => !roles.has(w) && !s.values.has(w));
  assert.ok(decliners.length >= 2, 'the scenario has members that decline');
  const [dying, living] = decliners;
  s.sim.failAt(dying, 20); // announced at 5 ms, its evaluation ends at 55 ms
  s.sim.start();
  s.sim.run(30);
  assert.deepEqual(decliners.filter((w) => s.sim.runs.has(w)), [], 'a decliner holds a run while it evaluates');
  s.sim.run();
  const abstained = [...s.sim.runs.values()].flatMap((run) => Object.values(run.state.slots).flatMap((slot) => slot.abstained));
  assert.ok(abstained.includes(living), 'a living decliner\'s abstention reached its leaf');
  assert.ok(!abstained.includes(dying), 'a decliner that died before its evaluation ended abstained');
  assert.equal(s.sim.stats.get(dying)?.sent ?? 0, 0, 'a decliner that died before its evaluation ended is counted as sending');
  assert.ok((s.sim.stats.get(living)?.sent ?? 0) > 0, 'a living decliner\'s abstentions are counted');
});

test('a death is told after the detection delay, to the runs that watch the dead peer then: past the leaf\'s summing, its peers and zone where leaves are replaced, no one where they are not', () => {
  for (const [strategy, zoneTold] of [['HighCompleteness', true], ['SafeAndPrompt', false]] as const) {
    const params = proposePlan({
      population: 60, selectivity: 1, latencyMs: 5, cryptoMs: 0, vectorLength: 2, failureRate: 0,
      fixed: { depth: 2, fanout: 2, groupSize: 3, strategy },
    }).params;
    // Past the leaf's collect window and its sync period. Where leaves are replaced, a
    // contributor that stopped watching once the leaf summed would miss the death its backup
    // takes over from; where they are not, the peers stopped watching once they sent their
    // sums, so no one is told, though they watched the member when it died.
    const detectMs = params.timeouts.collectMs + params.timeouts.syncMs + 50;
    assert.ok(2 + detectMs < querierAfterMs(params), 'the death is detected before the run ends');
    const s = buildScenario({ population: 60, selectivity: 1, params, seed: 2, crypto: 'plain', model: { ...idealModel(), detectMs } });
    const plan = s.context(s.query.querier).plan;
    const topo = topology(plan);
    const leaf = plan.groups.find((g) => (topo.children.get(g.id) ?? []).length === 0);
    assert.ok(leaf);
    const dead = leaf.members[0];
    const roles = new Set([s.query.querier, ...plan.groups.flatMap((g) => g.members), ...plan.backups]);
    const zone = (topo.zones.get(leaf.id) ?? []).filter((w) => !roles.has(w));
    assert.ok(zone.length > 0, 'the leaf has contributors without a role');
    const knows = (w: string) => s.sim.runs.get(w)?.state.failed.includes(dead) ?? false;
    s.sim.failAt(dead, 2); // before any share reaches it
    s.sim.start();
    s.sim.run(1 + detectMs);
    assert.deepEqual([...s.sim.runs.keys()].filter(knows), [], `${strategy}: told before the detection delay`);
    if (zoneTold) assert.ok(!s.sim.outcome, `${strategy}: the run waits for the position`);
    s.sim.run(2 + detectMs);
    for (const peer of leaf.members.slice(1)) assert.equal(knows(peer), zoneTold, `${strategy}: leaf peer ${peer}`);
    for (const w of zone) assert.equal(knows(w), zoneTold, `${strategy}: contributor ${w} ${zoneTold ? 'not told' : 'told'}`);
  }
});
