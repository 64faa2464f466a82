import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AggregationPlan, PlanParams } from '../query-vocab/types.ts';
import { ProtocolError } from '../agent/core/errors.ts';
import { BACKUP_CHAIN, candidates } from '../agent/core/backup.ts';
import { isLeaf, topology } from '../agent/core/topology.ts';
import { buildPlan, verifyPlan } from '../agent/core/sortition.ts';

const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;
const people = (n: number) => Array.from({ length: n }, (_, i) => `https://pod${i}.example/profile/card#me`);
const params = (p: Partial<PlanParams> = {}): PlanParams => ({
  depth: 2, fanout: 3, groupSize: 3, threshold: 3, strategy: 'LowCost', backupRatio: 0.2,
  timeouts: { collectMs: 1000, syncMs: 500, childMs: 2000 }, ...p,
});
const plan = (population: string[], p: Partial<PlanParams> = {}, nonce = 'ab12') =>
  buildPlan({ id: 'https://q.example/plan#it', query: 'https://q.example/q#it', nonce, population, params: params(p) });

const shapes = fc.record({ depth: fc.integer({ min: 1, max: 3 }), fanout: fc.integer({ min: 1, max: 4 }), groupSize: fc.integer({ min: 1, max: 5 }) });

test('the plan has the declared shape, distinct aggregators, backups and a zone for everyone', () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 0, max: 40 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 16 }), (shape, extra, nonce) => {
      const groupsCount = Array.from({ length: shape.depth }, (_, l) => shape.fanout ** l).reduce((s, x) => s + x, 0);
      const aggregators = groupsCount * shape.groupSize;
      const population = people(Math.ceil(aggregators * 1.2) + extra);
      const p = plan(population, { ...shape, threshold: shape.groupSize }, nonce);
      assert.equal(p.groups.length, groupsCount);
      assert.equal(p.groups[0].id, 'g');
      assert.equal(p.backups.length, Math.ceil(0.2 * aggregators));
      const used = [...p.groups.flatMap((g) => g.members), ...p.backups];
      assert.equal(new Set(used).size, used.length);
      assert.ok(p.groups.every((g) => g.members.length === shape.groupSize));
      const topo = topology(p);
      const leaves = p.groups.filter((g) => isLeaf(topo, g.id)).map((g) => g.id);
      assert.equal(leaves.length, shape.fanout ** (shape.depth - 1));
      assert.deepEqual(Object.keys(p.zones).sort(), [...population].sort());
      assert.ok(Object.values(p.zones).every((z) => leaves.includes(z)));
      for (const g of p.groups) if (g.level < shape.depth - 1) assert.equal(topo.children.get(g.id)?.length, shape.fanout);
      const first = p.groups[p.groups.length - 1];
      assert.deepEqual(topo.slotsOf.get(first.members[0]), [{ group: first.id, position: 0 }]);
      // Deterministic, independent of the population's order, and verifiable.
      assert.deepEqual(plan([...population].reverse(), { ...shape, threshold: shape.groupSize }, nonce), p);
      verifyPlan(p, population);
    }),
  );
});

test('group ids follow the tree: g, g.0 … g.2, g.0.0 …', () => {
  const p = plan(people(60), { depth: 3, fanout: 2, groupSize: 2, threshold: 2 });
  assert.deepEqual(p.groups.map((g) => `${g.id}<${g.parent ?? ''}`), ['g<', 'g.0<g', 'g.1<g', 'g.0.0<g.0', 'g.0.1<g.0', 'g.1.0<g.1', 'g.1.1<g.1']);
});

test('another nonce gives another plan', () => {
  assert.notDeepEqual(plan(people(50), {}, 'aa').groups, plan(people(50), {}, 'bb').groups);
});

test('a population too small, or inconsistent parameters, are refused', () => {
  assert.throws(() => plan(people(12)), code('bad-input')); // 12 aggregators + 3 backups
  plan(people(15));
  assert.throws(() => plan(people(50), { threshold: 2 }), code('bad-input'));
  plan(people(50), { threshold: 2, strategy: 'Threshold' });
  assert.throws(() => plan(people(50), { depth: 0 }), code('bad-input'));
});

function doctoredMessage(p: AggregationPlan, population: string[]): string {
  try {
    verifyPlan(p, population);
  } catch (e) {
    assert.ok(code('doctored-plan')(e), String(e));
    return (e as Error).message;
  }
  assert.fail('doctored plan accepted');
}

test('a doctored plan is rejected, naming the first difference', () => {
  const population = people(40);
  const honest = plan(population);
  const clone = () => structuredClone(honest);

  const swapped = clone();
  [swapped.groups[1].members[0], swapped.groups[2].members[1]] = [swapped.groups[2].members[1], swapped.groups[1].members[0]];
  assert.match(doctoredMessage(swapped, population), /group g\.0 member 0 is .*, expected /);

  const rezoned = clone();
  const someone = population[7];
  rezoned.zones[someone] = rezoned.zones[someone] === 'g.0' ? 'g.1' : 'g.0';
  assert.match(doctoredMessage(rezoned, population), new RegExp(`${someone.replace(/[.#/]/g, '\\$&')} is in zone`));

  const intruder = clone();
  intruder.backups[0] = 'https://mallory.example/card#me';
  assert.match(doctoredMessage(intruder, population), /backup 0 is https:\/\/mallory/);

  const extra = clone();
  extra.zones['https://mallory.example/card#me'] = 'g.0';
  assert.match(doctoredMessage(extra, population), /not in the population/);

  const reparam = clone();
  reparam.params.fanout = 2;
  assert.match(doctoredMessage(reparam, population), /groups/);

  const renonced = clone();
  renonced.nonce = 'ffff';
  doctoredMessage(renonced, population);
});

test('no agent is a candidate for two positions of one group, whatever fails', () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 2, noNaN: true }), (shape, extra, ratio) => {
      const groupsCount = Array.from({ length: shape.depth }, (_, l) => shape.fanout ** l).reduce((s, x) => s + x, 0);
      const aggregators = groupsCount * shape.groupSize;
      const p = plan(people(Math.ceil(aggregators * (1 + ratio)) + 1 + extra), { ...shape, threshold: shape.groupSize, backupRatio: ratio });
      const topo = topology(p);
      for (const g of p.groups) {
        const chains = g.members.map((_, position) => candidates(topo, g.id, position));
        const all = chains.flat();
        assert.equal(new Set(all).size, all.length, `group ${g.id} shares a candidate: ${JSON.stringify(chains)}`);
        // Backups are used when there are any: each position gets min(chain, its share of them).
        const backups = chains.map((c) => c.length - 1);
        assert.equal(backups.reduce((a, b) => a + b, 0), g.members.map((_, pos) => Math.min(BACKUP_CHAIN, Math.ceil((p.backups.length - pos) / g.members.length))).reduce((a, b) => a + Math.max(0, b), 0));
      }
    }),
  );
});
