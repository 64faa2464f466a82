// One aggregator killed in the middle of a run, for each strategy, over a real Community
// Solid Server with 20 pods and real agents, on a two-level tree. A dead agent's pod still
// accepts posts, so its peers learn of the death from its presence document going stale
// (agent/solid/presence.ts), as the simulator's nodes learn it from the network.
// DESIGN.md's behaviours: LowCost gives no result and says why; the replacing strategies
// (HighCompleteness, Hybrid) bring in a backup; SafeAndPrompt cuts the dead member's
// subtree; Threshold needs no replacement. Every result is checked against the plaintext
// over exactly the contributors it includes, recovered from the agents' saved run states.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlan, parseQuery } from '../query-vocab/index.ts';
import type { AggregationPlan, StrategyName } from '../query-vocab/types.ts';
import { holderOf } from '../agent/core/backup.ts';
import { topology } from '../agent/core/topology.ts';
import { includedOnDisk } from '../agent/solid/audit.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { startDemo, type Demo } from '../examples/demo.ts';
import { plainAnswer } from '../examples/plain.ts';
import { freePorts } from './helpers/ports.ts';

const ALL = new URL('fixtures/all-aggregates.ttl', import.meta.url).pathname;
const STRATEGIES: StrategyName[] = ['LowCost', 'SafeAndPrompt', 'Threshold', 'HighCompleteness', 'Hybrid'];
const REPLACING = new Set<StrategyName>(['HighCompleteness', 'Hybrid']);
let demo: Demo;

before(async () => {
  demo = await startDemo({ pods: 20, port: await freePorts(), collectMs: 25_000 });
});
after(async () => demo?.stop());

test('an aggregator killed mid-run: each strategy gives what DESIGN.md says', async () => {
  const plans = new Map<string, AggregationPlan>(); // query → plan
  const chosen = new Map<string, string>(); // query → the aggregator to kill
  const killed = new Set<string>();
  const kills: Promise<void>[] = [];
  const events: RunEvent[] = [];

  // Each victim also holds positions in the other runs, so the five are chosen together,
  // once every plan is known, such that their deaths leave every run able to give the
  // outcome its strategy promises: every position still held where backups replace, one
  // zone lost at most where they do not, and for Threshold at most k − t lost share trees
  // (a lost position p in any group cuts the p-th share of everything above it).
  const survivable = (dead: Set<string>) =>
    [...plans.values()].every((plan) => {
      const topo = topology(plan);
      const failed = (w: string) => dead.has(w);
      const slots = plan.groups.flatMap((g) => g.members.map((m, position) => ({ g, m, position })));
      const lostZones = plan.groups.filter((g) => g.parent !== null && g.members.some(failed)).length;
      const rootHeld = () => topo.root.members.every((_, position) => holderOf(topo, { group: topo.root.id, position }, failed, true) !== null);
      switch (plan.params.strategy) {
        case 'LowCost':
          return true;
        case 'HighCompleteness':
          return slots.every(({ g, position }) => holderOf(topo, { group: g.id, position }, failed, true) !== null);
        case 'Hybrid':
          return lostZones <= 1 && rootHeld();
        case 'SafeAndPrompt':
          return !topo.root.members.some(failed) && lostZones <= 1;
        case 'Threshold':
          return new Set(slots.filter(({ m }) => failed(m)).map(({ position }) => position)).size <= plan.params.groupSize - plan.params.threshold;
      }
    });
  // A leaf member for the strategies that drop (its subtree is cut), a root member for
  // those that replace, either for Threshold; a search with backtracking over the five.
  const eligible = (plan: AggregationPlan) => {
    const root = topology(plan).root.members;
    const leaves = plan.groups.filter((g) => g.parent !== null).flatMap((g) => g.members);
    const pool = plan.params.strategy === 'Threshold' ? [...leaves, ...root] : REPLACING.has(plan.params.strategy) ? root : leaves;
    return pool.filter((w) => w !== demo.querier.webId);
  };
  const choose = (queries: string[], dead: string[]): string[] | null => {
    if (queries.length === 0) return [];
    for (const w of eligible(plans.get(queries[0])!)) {
      if (dead.includes(w) || !survivable(new Set([...dead, w]))) continue;
      const rest = choose(queries.slice(1), [...dead, w]);
      if (rest) return [w, ...rest];
    }
    return null;
  };
  // Killed as it receives its first input of the run: a share at a leaf, a sum at the root.
  const listener = (e: RunEvent) => {
    events.push(e);
    if (e.kind === 'published' && e.plan) {
      void getTurtle(globalThis.fetch, e.plan).then((t) => plans.set(e.query, parsePlan(t, e.plan!)));
      return;
    }
    if (plans.size < STRATEGIES.length || e.kind !== 'received') return;
    if (chosen.size === 0) {
      const queries = [...plans.keys()];
      const victims = choose(queries, []);
      assert.ok(victims, 'no set of victims leaves every run its promised outcome');
      queries.forEach((q, i) => chosen.set(q, victims[i]));
    }
    if (chosen.get(e.query) !== e.webId || killed.has(e.webId)) return;
    const atRoot = topology(plans.get(e.query)!).root.members.includes(e.webId);
    if (e.messageType !== (atRoot ? 'PartialAggregate' : 'Contribution')) return;
    killed.add(e.webId);
    kills.push(demo.host.kill(e.webId));
  };
  demo.host.journal.on('event', listener);
  const outcomes = await Promise.all(STRATEGIES.map((strategy) => demo.publish(ALL, { strategy, params: { depth: 2, fanout: 2 } })));
  demo.host.journal.off('event', listener);
  await Promise.all(kills);

  // Every strategy is checked before anything fails, so one run shows all that is wrong.
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  for (const [i, o] of outcomes.entries()) {
    const strategy = STRATEGIES[i];
    const victim = chosen.get(o.query);
    check(victim !== undefined && killed.has(victim), `${strategy}: its aggregator was not killed`);
    if (strategy === 'LowCost') {
      check(o.published === undefined, 'LowCost published despite a dead aggregator');
      check(/root|partial aggregates|fail/i.test(o.abort ?? ''), `LowCost: unclear report: ${o.abort}`);
      continue;
    }
    if (!o.published) {
      problems.push(`${strategy}: no result: ${o.abort}`);
      continue;
    }
    const plan = plans.get(o.query)!;
    const included = includedOnDisk(demo.stateDir, o.query, demo.querier.webId, topology(plan).root.id) ?? [];
    const doc = o.query.split('#')[0];
    const plain = await plainAnswer(parseQuery(await getTurtle(globalThis.fetch, doc), doc), plan, demo.people, new Set(included));
    check(o.published.contributors === included.length, `${strategy}: ${o.published.contributors} contributors, the audit finds ${included.length}`);
    check(JSON.stringify(o.published.values.map((v) => v.value)) === JSON.stringify(plain.values.map((v) => v.value)), `${strategy}: not exact over its contributors`);
    // Completeness counts the contributors whose shares reached an aggregator (a victim's
    // own shares may leave as it dies, before it could record sending them).
    const sent = new Set(events.filter((e) => e.query === o.query && e.kind === 'received' && e.messageType === 'Contribution').map((e) => e.peer));
    check(o.published.completeness === included.length / sent.size, `${strategy}: completeness ${o.published.completeness}, ${included.length} of ${sent.size} sent`);
    if (REPLACING.has(strategy)) {
      check(events.some((e) => e.query === o.query && e.kind === 'failed' && e.peer === victim), `${strategy}: the dead root member was not detected`);
      check(events.some((e) => e.query === o.query && /takes over as backup/.test(e.text)), `${strategy}: no backup took over`);
    }
  }
  assert.deepEqual(problems, []);
});
