// The protocol run: one agent's part in one query, as a sans-IO state machine. It plays
// every role the plan gives the agent (querier, contributor, aggregator at one or more
// positions, backup) and only ever returns actions; the transport does the I/O.
//
// Usage (a transport):
//
//   const run = new Run({ self, keys, directory, query, plan, now: Date.now, random: secureRandom });
//   perform(run.handle({ type: 'start' }));               // on creating the run
//   perform(run.handle({ type: 'message', message }));    // for each inbox message
//   perform(run.handle({ type: 'timer', name }));         // when a setTimer fires
//   perform(run.handle({ type: 'peerFailed', webId }));   // when the failure detector says so
//   perform(run.handle({ type: 'delivered', id }));       // when send `id` reached its inbox
//   perform(run.handle({ type: 'undeliverable', id }));   // when send `id` failed for good
//   perform(run.handle({ type: 'resultStored' }));        // when a published result is written
//   // on { type: 'evaluate' }: check consent, run the SELECT, encodeRows(layoutOf(ctx), rows), then
//   perform(run.handle({ type: 'contribute', vector, consent: decision.id }));  // or 'decline'
//   // on { type: 'prio3', work } (validated queries): the library is asynchronous, so
//   perform(run.handle({ type: 'prio3Done', work, outcome: await performPrio3(validationFor(ctx), k, work, random) }));
//   saveLocally(serialiseState(run.state));               // after every handle(), before acting
//
//   // after a restart: the run re-emits what it still owes (timers, sends, evaluation, result)
//   const run = new Run(ctx, deserialiseState(saved)); perform(run.handle({ type: 'resume' }));
//
// `perform` sends { type: 'send' } messages, arms { type: 'setTimer' } timers (feeding back
// { type: 'timer', name } after delayMs), publishes { type: 'publish' } results, and logs
// 'log', 'reject' and 'abort'. A message fed twice (e.g. re-read after a crash) is
// rejected as 'replayed', never counted twice.

import type { Announcement, Message, WebId } from '../../query-vocab/types.ts';
import { admit } from './admission.ts';
import { runStart } from './clock.ts';
import { onAbstention, onConfirmation, onContribution, onPartial, onSlotWork, onWithdrawal, parseSlotTimer, slotPeerFailed, slotTimer, startSlot } from './aggregator.ts';
import { candidacies, candidates } from './backup.ts';
import { abstain, contribute, contributePayloads, contributorPeerFailed } from './contributor.ts';
import { acceptPayload, onCheckWork, onKeySeed, resumeCheck, UNVERIFIED } from './leaf-check.ts';
import { checkPayload } from './prio3.ts';
import type { Prio3Outcome, Prio3Work } from './prio3-work.ts';
import { ProtocolError } from './errors.ts';
import type { Action, Event, RunContext } from './io.ts';
import { QUERIER_TIMER, onRootPartial, onRootWithdrawal, querierPeerFailed, querierStart, querierTimer } from './querier.ts';
import { ReplayGuard } from './replay.ts';
import { assertInRing, bytesToVec, type Vec } from './ring.ts';
import { Env, vectorLength } from './runtime.ts';
import type { Slot } from './topology.ts';
import { isDependedOn, runEndsAt, watched } from './watch.ts';
import { initialState, serialiseState, slotKey, type RunState, type SlotState } from './state.ts';

export type { Action, Event, RunContext } from './io.ts';
export { deserialiseState, serialiseState, type RunState } from './state.ts';
export { layoutOf } from './runtime.ts';
export { mayWatch } from './watch.ts';

export class Run {
  private readonly st: RunState;
  private readonly guard: ReplayGuard;
  /** One Env for the run's life, its actions renewed per event: the simulator handles millions. */
  private envCache: Env | null = null;

  constructor(
    readonly ctx: RunContext,
    state?: RunState,
  ) {
    this.st = state ?? initialState(ctx.self, ctx.query.id);
    if (this.st.self !== ctx.self || this.st.query !== ctx.query.id) {
      throw new ProtocolError('bad-input', `state is for ${this.st.self} in ${this.st.query}, not ${ctx.self} in ${ctx.query.id}`);
    }
    this.guard = new ReplayGuard(this.st.replay);
  }

  /** The persistent state (plain data but for vectors: use serialiseState). */
  get state(): RunState {
    this.st.replay = this.guard.snapshot();
    return this.st;
  }

  /** The aggregator positions this agent currently holds. */
  slotsHeld(): Slot[] {
    return Object.values(this.st.slots).map(({ group, position }) => ({ group, position }));
  }

  /** The peers whose failure this run would react to now (for a transport's failure detector). */
  watched(): string[] {
    return watched(this.env());
  }

  /** Whether peers depend on this agent in this run, and until when (a transport's heartbeat). */
  dependedOnUntil(): number | null {
    const env = this.env();
    return isDependedOn(env) ? runEndsAt(env) : null;
  }

  serialise(): string {
    return serialiseState(this.state);
  }

  handle(event: Event): Action[] {
    // A delivery report only settles the outbox: no Env (the simulator reports every send).
    if (event.type === 'delivered') {
      delete this.st.outbox[event.id];
      return [];
    }
    const env = this.env();
    env.renew();
    // A run saved before it started (killed right after joining) starts on its resume.
    const starting = this.st.startedAt === null && event.type !== 'undeliverable';
    if (starting) start(env);
    switch (event.type) {
      case 'start':
        break;
      case 'resume':
        if (!starting) resume(env);
        break;
      case 'message':
        this.receive(env, event.message);
        break;
      case 'timer':
        timer(env, event.name);
        break;
      case 'peerFailed':
        peerFailed(env, event.webId);
        break;
      case 'undeliverable': {
        const sent = this.st.outbox[event.id];
        delete this.st.outbox[event.id];
        if (sent?.to === env.ctx.query.population) announceToEach(env);
        else if (sent) peerFailed(env, sent.to);
        break;
      }
      case 'resultStored':
        if (this.st.querier) this.st.querier.stored = true;
        break;
      case 'contribute':
        contribute(env, event.vector, event.consent);
        break;
      case 'decline':
        abstain(env, event.reason);
        break;
      case 'prio3Done':
        prio3Done(env, event.work, event.outcome);
        break;
    }
    return env.takeActions();
  }

  private env(): Env {
    this.envCache ??= new Env(this.ctx, this.st);
    return this.envCache;
  }

  private receive(env: Env, m: Message): void {
    try {
      admit(env, this.guard, m);
      route(env, m);
      if (m.type !== 'Confirmation') this.guard.record(m);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      env.actions.push({ type: 'reject', message: m, error });
      env.log('warn', `rejected ${m.type} from ${m.sender}: ${error.code}: ${error.message}`);
    }
  }
}

function start(env: Env): void {
  const state = env.state;
  const plan = env.ctx.plan;
  state.startedAt = runStart(plan, env.now());
  for (const { group, position } of env.topo.slotsOf.get(env.self) ?? []) startSlot(env, group, position, 0);
  // The querier announces the query once, to the whole population (io.ts 'announce').
  if (env.self === env.ctx.query.querier) {
    const to = participants(env);
    env.announce(to, runEndsAt(env));
    env.log('info', `announced plan ${plan.id} to ${to.length} agents`);
    querierStart(env);
  }
  if (plan.zones[env.self] !== undefined && !state.evaluated) {
    state.evaluated = true;
    env.actions.push({ type: 'evaluate' });
  }
}

/**
 * Where the population takes no announcement (one made before them, or a querier not allowed
 * to post there), a copy to each participant, each a send of its own: one that cannot be
 * delivered counts its recipient as failed.
 */
function announceToEach(env: Env): void {
  for (const w of participants(env)) env.send<Announcement>(w, { type: 'Announcement', plan: env.ctx.plan.id });
  env.log('info', `the population took no announcement: announced plan ${env.ctx.plan.id} to each participant`);
}

/** Everyone the querier announces its query to, aggregators first, from the root down (they beat on hearing of it), then backups and zone members. */
function participants(env: Env): WebId[] {
  const plan = env.ctx.plan;
  const all = new Set([...plan.groups.flatMap((g) => g.members), ...plan.backups, ...Object.keys(plan.zones)]);
  all.delete(env.self);
  return [...all];
}

/** Everything a run restored from its saved state still owes: nothing is decided twice. */
function resume(env: Env): void {
  const state = env.state;
  for (const [name, at] of Object.entries(state.timers)) env.actions.push({ type: 'setTimer', name, delayMs: Math.max(0, at - env.now()) });
  for (const [id, { to, message }] of Object.entries(state.outbox)) {
    const broadcast = message.type === 'Announcement' && to === env.ctx.query.population;
    env.actions.push(broadcast ? { type: 'announce', id, to: participants(env), until: runEndsAt(env), message } : { type: 'send', id, to, message });
  }
  if (state.evaluated && !state.contributor && state.declined === null) env.actions.push({ type: 'evaluate' });
  for (const slot of Object.values(state.slots)) if (resumeCheck(env, slot)) onSlotWork(env, slot);
  const q = state.querier;
  if (q?.outcome === 'published' && q.result && !q.stored) env.actions.push({ type: 'publish', result: q.result });
}

/** The slot this agent holds for (group, position), taking it over if it is a backup. */
function slotFor(env: Env, group: string, position: number): SlotState {
  const existing = env.state.slots[slotKey(group, position)];
  if (existing) return existing;
  const chain = candidates(env.topo, group, position);
  const rank = chain.indexOf(env.self);
  // Being addressed as a backup means every earlier candidate failed.
  for (const w of chain.slice(0, Math.max(0, rank))) env.markFailed(w);
  return startSlot(env, group, position, Math.max(0, rank));
}

function openVector(env: Env, m: Message & { group: string; position: number; sealed: Uint8Array }, kind: string): Vec {
  return toVector(env, m, env.open(m, kind));
}

function toVector(env: Env, m: Message, bytes: Uint8Array): Vec {
  if (bytes.length % 8 !== 0) throw new ProtocolError('bad-input', `${m.type} from ${m.sender} carries ${bytes.length} bytes, not whole 64-bit words`);
  const v = bytesToVec(bytes);
  const length = vectorLength(env.ctx);
  if (v.length !== length) throw new ProtocolError('bad-input', `${m.type} from ${m.sender} carries ${v.length} elements, the layout has ${length}`);
  assertInRing(v, env.ring);
  return v;
}

function route(env: Env, m: Message): void {
  switch (m.type) {
    case 'Announcement':
      env.log('debug', `announcement of plan ${m.plan} from ${m.sender}`);
      return;
    case 'Contribution': {
      const slot = slotFor(env, m.group, m.position);
      if (!env.validation) return onContribution(env, slot, m, openVector(env, m, 'share'));
      const payload = env.open(m, 'share');
      checkPayload(env.validation, env.params.groupSize, m.position, payload);
      onContribution(env, slot, m, UNVERIFIED);
      if (slot.inputs[m.sender]) acceptPayload(env, slot, m.sender, payload);
      return;
    }
    case 'KeySeed':
      for (const slot of peerSlots(env, m)) onKeySeed(env, slot, m);
      return;
    case 'Abstention':
      onAbstention(env, slotFor(env, m.group, m.position), m);
      return;
    case 'Confirmation':
      for (const slot of peerSlots(env, m)) onConfirmation(env, slot, m);
      return;
    case 'Withdrawal': {
      const parent = env.topo.groups.get(m.group)?.parent;
      if (parent === null) onRootWithdrawal(env, m);
      else if (parent) onWithdrawal(env, slotFor(env, parent, m.position), m);
      return;
    }
    case 'PartialAggregate': {
      const parent = env.topo.groups.get(m.group)?.parent;
      if (parent === null) {
        const bytes = env.open(m, 'partial');
        onRootPartial(env, m, bytes.length === 0 ? null : toVector(env, m, bytes)); // empty: the root refused
      } else if (parent) {
        onPartial(env, slotFor(env, parent, m.position), m, openVector(env, m, 'partial'));
      }
      return;
    }
  }
}

/** This agent's slots in the group of a peer's message, other than the peer's position. */
function peerSlots(env: Env, m: Message & { group: string; position: number }): SlotState[] {
  const mine = Object.values(env.state.slots).filter((s) => s.group === m.group && s.position !== m.position);
  if (mine.length > 0) return mine;
  // A peer already treats us as the backup holding some position: take the first we may.
  const c = candidacies(env.topo, m.group, env.self).find((c) => c.position !== m.position);
  return c ? [slotFor(env, m.group, c.position)] : [];
}

/** Validated queries: the Prio3 work the run asked for is done. */
function prio3Done(env: Env, work: Prio3Work, outcome: Prio3Outcome): void {
  if (work.kind === 'shard') {
    if (outcome.kind === 'sharded') contributePayloads(env, outcome.payloads, work.consent);
    return;
  }
  const slot = env.state.slots[slotKey(work.group, work.position)];
  if (slot && onCheckWork(env, slot, work, outcome)) onSlotWork(env, slot);
}

function timer(env: Env, name: string): void {
  delete env.state.timers[name];
  if (name === QUERIER_TIMER) return querierTimer(env);
  const t = parseSlotTimer(name);
  const slot = t && env.state.slots[slotKey(t.group, t.position)];
  if (t && slot) slotTimer(env, slot, t.kind);
}

function peerFailed(env: Env, w: string): void {
  if (!env.markFailed(w)) return;
  contributorPeerFailed(env, w);
  for (const slot of Object.values(env.state.slots)) slotPeerFailed(env, slot, w);
  querierPeerFailed(env, w);
}
