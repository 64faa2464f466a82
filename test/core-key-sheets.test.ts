import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PinnedPeer, PlanParams } from '../query-vocab/types.ts';
import { candidacies, candidates } from '../agent/core/backup.ts';
import { sheetDigest, sheetMembers, sheetsFor } from '../agent/core/key-sheets.ts';
import { recipients } from '../agent/core/recipients.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import { topology } from '../agent/core/topology.ts';

const people = (n: number) => Array.from({ length: n }, (_, i) => `https://pod${i}.example/profile/card#me`);
const QUERIER = 'https://querier.example/profile/card#me';
const planOf = (n: number, p: Partial<PlanParams>, nonce = 'ab12cd34') => buildPlan({
  id: 'https://q.example/plan', query: 'https://q.example/q#it', nonce, population: people(n),
  params: { depth: 2, fanout: 3, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0.2, timeouts: { collectMs: 1, syncMs: 1, childMs: 1 }, ...p },
});
/** Every WebID whose pin an agent has once it read its sheets. */
const loaded = (plan: ReturnType<typeof planOf>, w: string) => {
  const topo = topology(plan);
  return new Set([QUERIER, ...sheetsFor(topo, QUERIER, w).flatMap((g) => sheetMembers(topo, g))]);
};

test('the sheets an agent reads pin everyone it may write to and everyone it may hear from', () => {
  const shape = fc.record({ depth: fc.integer({ min: 1, max: 3 }), fanout: fc.integer({ min: 1, max: 4 }), groupSize: fc.integer({ min: 1, max: 4 }), backupRatio: fc.constantFrom(0, 0.2, 1) });
  fc.assert(fc.property(shape, fc.integer({ min: 0, max: 30 }), (p, extra) => {
    const groups = Array.from({ length: p.depth }, (_, l) => p.fanout ** l).reduce((s, x) => s + x, 0);
    const plan = planOf(Math.ceil(groups * p.groupSize * (1 + p.backupRatio)) + extra, { ...p, threshold: p.groupSize });
    const topo = topology(plan);
    for (const w of [...Object.keys(plan.zones), ...plan.backups, QUERIER]) {
      const has = loaded(plan, w);
      for (const r of recipients(topo, QUERIER, w, { leafBackups: true })) assert.ok(has.has(r), `${w} writes to ${r} but reads no pin for it`);
      // Senders: its zone and group peers, and the candidates of its child groups.
      for (const g of plan.groups) {
        if (candidacies(topo, g.id, w).length === 0) continue;
        const heard = [...(topo.zones.get(g.id) ?? []), ...(topo.children.get(g.id) ?? []).flatMap((c) => topo.groups.get(c)!.members.flatMap((_, i) => candidates(topo, c, i)))];
        for (const s of heard) assert.ok(has.has(s), `${w} hears from ${s} in ${g.id} but reads no pin for it`);
      }
      if (w === QUERIER) for (const m of plan.groups[0].members) assert.ok(has.has(m));
    }
  }), { numRuns: 40 });
});

test('a contributor reads one sheet, and what any member reads besides the zones it collects from does not grow with the population', () => {
  const most = (n: number) => {
    const plan = planOf(n, { depth: 3, fanout: 8 });
    const topo = topology(plan);
    const contributor = Object.keys(plan.zones).find((w) => !plan.backups.includes(w) && !topo.slotsOf.has(w))!;
    assert.deepEqual(sheetsFor(topo, QUERIER, contributor), [{ kind: 'zone', group: plan.zones[contributor] }]);
    const beyondZones = (w: string) => {
      const zones = new Set(sheetsFor(topo, QUERIER, w).filter((s) => s.kind === 'zone').flatMap((s) => topo.zones.get(s.group) ?? []));
      return [...loaded(plan, w)].filter((x) => !zones.has(x)).length;
    };
    return Math.max(...[...plan.groups.flatMap((g) => g.members), ...plan.backups].map(beyondZones));
  };
  const small = most(400);
  const large = most(4000);
  assert.ok(small > 0 && large <= small + 5, `${large} pins at 4000 against ${small} at 400`);
});

test('the digest names the pins, not their order, and changes with any key or inbox', () => {
  const pin = (b: number, inbox = 'https://a.example/inbox/'): PinnedPeer => ({ x25519: new Uint8Array(32).fill(b), ed25519: new Uint8Array(32).fill(b + 1), inbox });
  const a = { 'https://a.example/#me': pin(1), 'https://b.example/#me': pin(2) };
  const reordered = { 'https://b.example/#me': pin(2), 'https://a.example/#me': pin(1) };
  assert.equal(sheetDigest(a), sheetDigest(reordered));
  assert.match(sheetDigest(a), /^[0-9a-f]{64}$/);
  assert.notEqual(sheetDigest(a), sheetDigest({ ...a, 'https://b.example/#me': pin(3) }));
  assert.notEqual(sheetDigest(a), sheetDigest({ ...a, 'https://b.example/#me': pin(2, 'https://evil.example/inbox/') }));
  assert.notEqual(sheetDigest(a), sheetDigest({ 'https://a.example/#me': pin(1) }));
});
