// Faults: clock skew between agents. The bound is MAX_CLOCK_SKEW_MS (15 s) between any two
// agents' clocks. Every deadline counts from the plan's start, on each agent's own clock,
// so skew within the bound moves a deadline by less than any wait: agents whose clocks are
// up to 7.5 s ahead or behind (15 s apart) give the exact result over a real Community
// Solid Server. Beyond the bound, a message
// dated in the receiver's future is refused with 'clock-skew', named in the journal, and
// the run ends with a clear report. Skew is injected through each agent's scheduler, a skewed view of one driven clock.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePlan, type Contribution, type Message } from '../query-vocab/index.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { MAX_CLOCK_SKEW_MS } from '../agent/core/clock.ts';
import { Run } from '../agent/core/protocol.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { DrivenClock } from './helpers/driven-clock.ts';
import { freePorts } from '../harness/ports.ts';

const skews = new Map<string, number>();
const clock = new DrivenClock();
let demo: Demo;

before(async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'podagg-faults-clock-'));
  demo = await startDemo({ pods: 8, port: await freePorts(), stateDir, collectMs: 15_000, agents: { schedulerOf: (webId) => clock.skewed(() => skews.get(webId) ?? 0) } });
});
after(async () => demo?.stop());

test('the core accepts a message dated up to the bound in its future, and refuses one beyond it', () => {
  const sent: Message[] = [];
  const s = buildScenario({
    population: 12,
    selectivity: 1,
    params: { depth: 1, fanout: 2, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0.2, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } },
    seed: 5,
    crypto: 'real',
    model: idealModel(),
    onAction: (_from, _t, a) => void (a.type === 'send' && sent.push(a.message)),
  });
  s.sim.start();
  s.sim.run();
  const m = sent.find((x): x is Contribution => x.type === 'Contribution' && x.sender !== x.recipient);
  assert.ok(m);
  const sentAt = Date.parse(m.sentAt);
  const receiver = (behindMs: number) => new Run({ ...s.context(m.recipient), now: () => sentAt - behindMs });
  const verdict = (behindMs: number) => receiver(behindMs).handle({ type: 'message', message: m }).find((a) => a.type === 'reject');
  assert.equal(verdict(MAX_CLOCK_SKEW_MS - 1000), undefined, 'within the bound: accepted');
  assert.equal(verdict(-3_600_000), undefined, 'an old message (late delivery, or the sender behind): accepted');
  const refused = verdict(MAX_CLOCK_SKEW_MS + 1000);
  assert.ok(refused?.type === 'reject' && refused.error.code === 'clock-skew', 'beyond the bound: refused');
  assert.match(refused.error.message, new RegExp(`${MAX_CLOCK_SKEW_MS / 1000 + 1} s ahead of our clock \\(bound ${MAX_CLOCK_SKEW_MS / 1000} s\\)`));
});

test('agents whose clocks differ within the bound give the exact result', { timeout: 120_000 }, async () => {
  // The querier and every other agent alternately half the bound ahead and behind: pairs up to the bound apart.
  demo.credentials.forEach((c, i) => skews.set(c.webId, (i % 2 === 0 ? 1 : -1) * (MAX_CLOCK_SKEW_MS / 2)));
  try {
    const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
    assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
    assert.ok(o.exact, `result ${JSON.stringify(o.published?.values)} differs from ${JSON.stringify(o.plain.values)}`);
    assert.equal(o.published?.completeness, 1);
  } finally {
    skews.clear();
  }
});

test('a querier whose clock is behind the others beyond the bound refuses their aggregates, and says why', { timeout: 150_000 }, async () => {
  const querier = demo.querier.webId;
  skews.set(querier, -(MAX_CLOCK_SKEW_MS + 30_000));
  const refused: RunEvent[] = [];
  const heard = new Set<string>(); // root members whose aggregate reached the querier
  const answered = new Set<string>(); // zone members whose share or abstention reached it
  // The test drives the timers whose event has happened (the subject is what the querier
  // does with refused aggregates, not the waits): where the querier holds a root position,
  // that position's collect deadline once every zone member's answer reached it (refused
  // too); then the querier's deadline once every other root position's aggregate came in.
  let plan: { root: string; zone: string[]; others: string[]; own: number } | undefined;
  let query = '';
  const fireWhatIsDue = () => {
    if (!plan) return;
    if (plan.own >= 0 && plan.zone.every((w) => answered.has(w))) clock.fire((label) => label === `${query} ready|${plan!.root}|${plan!.own}`);
    if (plan.others.every((w) => heard.has(w))) clock.fire((label) => label === `${query} querier`);
  };
  const listener = (e: RunEvent) => {
    if (e.kind === 'published' && e.plan) {
      query = e.query;
      void getTurtle(globalThis.fetch, e.plan).then((t) => {
        const p = parsePlan(t, e.plan!);
        const root = p.groups.find((g) => g.parent === null)!;
        assert.equal(p.params.depth, 1, 'the root group is the leaf group');
        const zone = Object.keys(p.zones).filter((w) => p.zones[w] === root.id);
        plan = { root: root.id, zone, others: root.members.filter((w) => w !== querier), own: root.members.indexOf(querier) };
        fireWhatIsDue();
      });
    }
    if (e.webId !== querier || e.query !== query || (e.kind !== 'rejected' && e.kind !== 'received')) return;
    if (e.kind === 'rejected') refused.push(e);
    if (e.messageType === 'PartialAggregate' && e.peer) heard.add(e.peer);
    if ((e.messageType === 'Contribution' || e.messageType === 'Abstention') && e.peer) answered.add(e.peer);
    fireWhatIsDue();
  };
  demo.host.journal.on('event', listener);
  try {
    const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
    assert.equal(o.published, undefined, 'a result was published from refused aggregates');
    assert.match(o.abort ?? '', /root partial aggregates/);
    const partials = refused.filter((e) => e.messageType === 'PartialAggregate');
    assert.ok(partials.length > 0, 'no root aggregate was refused');
    const bound = new RegExp(`^clock-skew: .* ahead of our clock \\(bound ${MAX_CLOCK_SKEW_MS / 1000} s\\)`);
    assert.ok(partials.every((e) => bound.test(e.reason ?? '')), partials.map((e) => e.reason).join('\n'));
  } finally {
    demo.host.journal.off('event', listener);
    skews.clear();
  }
});
