// Bad messages are rejected by the run, each with its own error code, before any role
// counts them: forged or altered signatures, unknown senders, senders the plan gives no
// such role, tampered payloads, mis-addressed messages, replays (also after a restart)
// a second, different share from the same contributor, and abstentions that contradict a
// share, come from outside the zone or are forged, and withdrawals from outside the tree or
// where the strategy does not propagate failures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Abstention, Contribution, Message, PartialAggregate, Withdrawal } from '../query-vocab/types.ts';
import type { Action } from '../agent/core/io.ts';
import { Run, deserialiseState, serialiseState } from '../agent/core/protocol.ts';
import { signMessage } from '../agent/core/sign.ts';
import { buildScenario, idealModel, type Scenario } from '../agent/sim/scenario.ts';

function setup() {
  const sent: Array<{ from: string; message: Message }> = [];
  const s = buildScenario({
    population: 30,
    selectivity: 1,
    params: { depth: 2, fanout: 2, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0.3, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } },
    seed: 3,
    crypto: 'real',
    model: idealModel(),
    onAction: (from, _t, a) => {
      if (a.type === 'send') sent.push({ from, message: a.message });
    },
  });
  s.sim.start();
  const outcome = s.sim.run();
  assert.equal(outcome?.type, 'publish');
  const contribution = sent.map((x) => x.message).find((m): m is Contribution => m.type === 'Contribution' && m.sender !== m.recipient);
  const partial = sent.map((x) => x.message).find((m): m is PartialAggregate => m.type === 'PartialAggregate' && m.group !== 'g');
  assert.ok(contribution && partial);
  return { s, contribution, partial };
}

function rejection(actions: Action[]): string | null {
  const r = actions.find((a) => a.type === 'reject');
  return r?.type === 'reject' ? r.error.code : null;
}

const fresh = (s: Scenario, w: string) => new Run(s.context(w));
const resign = <M extends Message>(s: Scenario, m: M, changes: Partial<M>): M => {
  const { signature: _drop, ...rest } = { ...m, ...changes };
  const key = s.keys.get(rest.sender)?.ed25519.secretKey;
  assert.ok(key);
  return signMessage<M>(rest as Omit<M, 'signature'>, key);
};

test('a valid contribution is accepted once, then rejected as replayed', () => {
  const { s, contribution: m } = setup();
  const run = fresh(s, m.recipient);
  assert.equal(rejection(run.handle({ type: 'message', message: m })), null);
  assert.equal(rejection(run.handle({ type: 'message', message: m })), 'replayed');
  // also after a restart from the persisted state
  const restarted = new Run(run.ctx, deserialiseState(serialiseState(run.state)));
  assert.equal(rejection(restarted.handle({ type: 'message', message: m })), 'replayed');
});

test('forged or altered signatures are rejected as bad-signature', () => {
  const { s, contribution: m } = setup();
  const signature = m.signature.slice();
  signature[0] ^= 1;
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: { ...m, signature } })), 'bad-signature');
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: { ...m, consent: 'forged' } })), 'bad-signature');
});

test('an unknown sender, a sender outside the plan, a wrong recipient', () => {
  const { s, contribution: m, partial } = setup();
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: { ...m, sender: 'urn:nobody' } })), 'unknown-sender');
  const plan = s.context(m.recipient).plan;
  const outsider = s.population.find((w) => plan.zones[w] !== m.group);
  assert.ok(outsider);
  const foreign = resign(s, { ...m, sender: outsider }, {});
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: foreign })), 'not-in-plan');
  const stranger = s.population.find((w) => !plan.groups.some((g) => g.members.includes(w)) && !plan.backups.includes(w) && w !== s.query.querier);
  assert.ok(stranger);
  const fakePartial = resign(s, { ...partial, sender: stranger }, {});
  assert.equal(rejection(fresh(s, partial.recipient).handle({ type: 'message', message: fakePartial })), 'not-in-plan');
  const other = s.population.find((w) => w !== m.recipient) ?? '';
  assert.equal(rejection(fresh(s, other).handle({ type: 'message', message: m })), 'wrong-recipient');
});

test('a tampered sealed share is rejected as tampered; a second, different share as duplicate-contribution', () => {
  const { s, contribution: m } = setup();
  const sealed = m.sealed.slice();
  sealed[sealed.length - 1] ^= 1;
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: resign(s, m, { sealed }) })), 'tampered');
  const run = fresh(s, m.recipient);
  assert.equal(rejection(run.handle({ type: 'message', message: m })), null);
  assert.equal(rejection(run.handle({ type: 'message', message: resign(s, m, { consent: `${m.consent}-2` }) })), 'duplicate-contribution');
});

test('abstentions: a share after an abstention, an abstention after a share, one from outside the zone and a forged one are each refused, and change nothing', () => {
  const { s, contribution: m } = setup();
  const { signature: _s, consent: _c, sealed: _x, ...envelope } = m;
  const abstention = resign<Abstention>(s, { ...envelope, type: 'Abstention' } as Abstention, {});
  const run = fresh(s, m.recipient);
  assert.equal(rejection(run.handle({ type: 'message', message: abstention })), null);
  const before = serialiseState(run.state);
  assert.equal(rejection(run.handle({ type: 'message', message: m })), 'duplicate-contribution');
  assert.equal(rejection(run.handle({ type: 'message', message: abstention })), 'replayed');
  assert.equal(serialiseState(run.state), before);

  const contributed = fresh(s, m.recipient);
  assert.equal(rejection(contributed.handle({ type: 'message', message: m })), null);
  const held = serialiseState(contributed.state);
  assert.equal(rejection(contributed.handle({ type: 'message', message: abstention })), 'duplicate-contribution');
  assert.equal(serialiseState(contributed.state), held);

  const plan = s.context(m.recipient).plan;
  const outsider = s.population.find((w) => plan.zones[w] !== m.group);
  assert.ok(outsider);
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: resign(s, abstention, { sender: outsider }) })), 'not-in-plan');
  const signature = abstention.signature.slice();
  signature[0] ^= 1;
  assert.equal(rejection(fresh(s, m.recipient).handle({ type: 'message', message: { ...abstention, signature } })), 'bad-signature');
});

test('withdrawals: one from a node that holds no child position is refused; one where failures do not propagate is ignored; neither changes the slot', () => {
  const { s, partial } = setup();
  const { signature: _s, sealed: _x, versionId: _v, counter: _c, included: _i, received: _r, final: _f, ...envelope } = partial;
  const withdrawal = resign<Withdrawal>(s, { ...envelope, type: 'Withdrawal' } as Withdrawal, {});
  const plan = s.context(partial.recipient).plan;
  const stranger = s.population.find((w) => !plan.groups.some((g) => g.members.includes(w)) && !plan.backups.includes(w) && w !== s.query.querier);
  assert.ok(stranger);
  assert.equal(rejection(fresh(s, partial.recipient).handle({ type: 'message', message: resign(s, withdrawal, { sender: stranger }) })), 'not-in-plan');
  // SafeAndPrompt cuts a lost subtree: the parent keeps collecting from its other children.
  const run = fresh(s, partial.recipient);
  assert.equal(rejection(run.handle({ type: 'message', message: withdrawal })), null);
  assert.ok(Object.values(run.state.slots).every((slot) => slot.phase === 'collecting'));
});

test('the querier announces once, to the population; where the population takes none, a copy goes to each participant', () => {
  const { s } = setup();
  const querier = s.query.querier;
  const run = fresh(s, querier);
  const [announce, ...others] = run.handle({ type: 'start' }).filter((a) => a.type === 'announce' || (a.type === 'send' && a.message.type === 'Announcement'));
  assert.equal(others.length, 0, 'one announcement');
  assert.ok(announce?.type === 'announce');
  assert.equal(announce.message.recipient, run.ctx.query.population);
  assert.ok(announce.to.length > 0 && !announce.to.includes(querier));
  // A resume before the post was confirmed posts it again; one confirmed is owed no more.
  const restarted = new Run(run.ctx, deserialiseState(serialiseState(run.state)));
  assert.deepEqual(restarted.handle({ type: 'resume' }).filter((a) => a.type === 'announce').map((a) => a.type === 'announce' && a.id), [announce.id]);
  const copies = run.handle({ type: 'undeliverable', id: announce.id }).filter((a) => a.type === 'send');
  assert.deepEqual(copies.map((a) => a.type === 'send' && a.to).sort(), [...announce.to].sort());
  for (const a of copies) assert.ok(a.type === 'send' && a.message.type === 'Announcement' && a.message.recipient === a.to);
  // Each copy is a send of its own: one that cannot be delivered counts its recipient as failed.
  const first = copies[0];
  assert.ok(first?.type === 'send');
  run.handle({ type: 'undeliverable', id: first.id });
  assert.ok(run.state.failed.includes(first.to));
});
