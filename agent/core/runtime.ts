// The per-event toolbox the roles share: the context, the derived plan indexes and
// strategy, the failure set, and helpers that turn intentions into actions (sealed,
// signed sends; timers; log lines). A run keeps one Env and takes its actions after each event.

import type { Announcement, Message, WebId } from '../../query-vocab/types.ts';
import { holderOf } from './backup.ts';
import { VALIDATED_THRESHOLD, validationOf, type Validation } from './circuits.ts';
import { compileLayout, type Layout } from './encoding.ts';
import { ProtocolError } from './errors.ts';
import type { Action, LogLevel, RunContext } from './io.ts';
import type { Ring } from './ring.ts';
import type { RunState } from './state.ts';
import { replacesAt, ringOf, strategyOf, type Strategy } from './strategy.ts';
import { realCrypto, type CryptoSuite } from './suite.ts';
import { isLeaf, topology, type Slot, type Topology } from './topology.ts';

type Unsigned<M extends Message> = Omit<M, 'signature' | 'query' | 'sender' | 'recipient' | 'sentAt'>;

const layouts = new WeakMap<RunContext['query'], Map<Ring, Layout>>();

/** The layout contributions are encoded with for this query and plan. */
export function layoutOf(ctx: Pick<RunContext, 'query' | 'plan'>): Layout {
  const ring = ringOf(strategyOf(ctx.plan.params));
  let byRing = layouts.get(ctx.query);
  if (!byRing) layouts.set(ctx.query, (byRing = new Map()));
  let layout = byRing.get(ring);
  if (!layout) {
    layout = compileLayout(ctx.query.aggregates, topology(ctx.plan).populationSize, ring);
    byRing.set(ring, layout);
  }
  return layout;
}

const validations = new WeakMap<RunContext['query'], Validation>();

/** A validated query's Prio3 circuits over its layout, or null for an unvalidated query. */
export function validationFor(ctx: Pick<RunContext, 'query' | 'plan'>): Validation | null {
  if (!ctx.query.validated) return null;
  let v = validations.get(ctx.query);
  if (!v) {
    if (strategyOf(ctx.plan.params).sharing !== 'additive') {
      throw new ProtocolError('bad-input', VALIDATED_THRESHOLD);
    }
    validations.set(ctx.query, (v = validationOf(layoutOf(ctx))));
  }
  return v;
}

/** Words of a vector the tree sums: the layout's elements, or two per Field128 element of a validated query. */
export function vectorLength(ctx: Pick<RunContext, 'query' | 'plan'>): number {
  const v = validationFor(ctx);
  return v ? 2 * v.fieldLength : layoutOf(ctx).length;
}

// Many sends share a millisecond (a simulated event sends to k positions, the querier
// announces to everyone at once): format each instant once.
let lastTime = NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastIso = new Date(ms).toISOString();
    lastTime = ms;
  }
  return lastIso;
}

export class Env {
  /** This event's actions, handed over by takeActions(). */
  actions: Action[] = [];
  readonly topo: Topology;
  readonly strategy: Strategy;
  readonly crypto: CryptoSuite;
  readonly ring: Ring;
  /** A validated query's circuits (the tree then sums Field128 output shares), else null. */
  readonly validation: Validation | null;
  private failedSet: Set<WebId> | null = null;

  constructor(
    readonly ctx: RunContext,
    readonly state: RunState,
  ) {
    this.topo = topology(ctx.plan);
    this.strategy = strategyOf(ctx.plan.params);
    this.crypto = ctx.crypto ?? realCrypto;
    this.validation = validationFor(ctx);
    this.ring = this.validation ? 'f128' : ringOf(this.strategy);
  }

  /** Starts an event's action list, dropping what an event that threw left. The failure set stays in step with the state (markFailed). */
  renew(): void {
    this.actions = [];
  }

  /** Hands over the event's actions, so a run kept between events (a million at once in a simulation) holds none. */
  takeActions(): Action[] {
    const actions = this.actions;
    this.actions = [];
    return actions;
  }

  get self(): WebId {
    return this.ctx.self;
  }

  get params() {
    return this.ctx.plan.params;
  }

  now(): number {
    return this.ctx.now();
  }

  log(level: LogLevel, text: string): void {
    this.actions.push({ type: 'log', level, text });
  }

  /** Arms a timer at an absolute time; remembered in the state so a restart re-arms it. */
  timerAt(name: string, at: number): void {
    this.state.timers[name] = at;
    this.actions.push({ type: 'setTimer', name, delayMs: Math.max(0, at - this.now()) });
  }

  isFailed = (w: WebId): boolean => {
    this.failedSet ??= new Set(this.state.failed);
    return this.failedSet.has(w);
  };

  markFailed(w: WebId): boolean {
    if (this.isFailed(w)) return false;
    this.state.failed.push(w);
    this.failedSet?.add(w);
    return true;
  }

  /** Current holder of a slot, given the failures this agent knows of and the strategy. */
  holder(slot: Slot): WebId | null {
    return holderOf(this.topo, slot, this.isFailed, replacesAt(this.strategy, isLeaf(this.topo, slot.group)));
  }

  /** The current holders of the group's other positions, each once. */
  peerHolders(slot: Slot): Set<WebId> {
    const out = new Set<WebId>();
    for (let p = 0; p < this.params.groupSize; p++) {
      const to = p === slot.position ? null : this.holder({ group: slot.group, position: p });
      if (to) out.add(to);
    }
    return out;
  }

  publicKeys(w: WebId) {
    const reg = this.ctx.directory.get(w);
    if (!reg) throw new ProtocolError('unknown-sender', `${w} is not in the population directory`);
    return reg;
  }

  seal(payload: Uint8Array, to: WebId, group: string, position: number, kind: string): Uint8Array {
    const ctx = { query: this.ctx.query.id, group, position, sender: this.self, recipient: to, kind };
    return this.crypto.seal(payload, this.publicKeys(to).x25519, ctx, this.ctx.random);
  }

  open(m: Message & { group: string; position: number; sealed: Uint8Array }, kind: string): Uint8Array {
    const ctx = { query: m.query, group: m.group, position: m.position, sender: m.sender, recipient: m.recipient, kind };
    return this.crypto.open(m.sealed, this.ctx.keys.x25519.secretKey, ctx);
  }

  /** Signs and sends; the envelope fields (query, sender, recipient, sentAt) are filled here. */
  send<M extends Message>(to: WebId, body: Unsigned<M>): void {
    const { id, message } = this.outgoing<M>(to, body);
    this.actions.push({ type: 'send', id, to, message });
  }

  /**
   * The querier's one announcement for every participant `to`: addressed to the population,
   * so that a single copy, posted where its members watch, serves them all (io.ts).
   */
  announce(to: WebId[], until: number): void {
    const { id, message } = this.outgoing<Announcement>(this.ctx.query.population, { type: 'Announcement', plan: this.ctx.plan.id });
    this.actions.push({ type: 'announce', id, to, until, message });
  }

  private outgoing<M extends Message>(to: string, body: Unsigned<M>): { id: string; message: M } {
    const unsigned = { ...body, query: this.ctx.query.id, sender: this.self, recipient: to, sentAt: isoTime(this.now()) };
    const message = this.crypto.sign<M>(unsigned as unknown as Omit<M, 'signature'>, this.ctx.keys.ed25519.secretKey);
    const id = String(this.state.sends++);
    this.state.outbox[id] = { to, message };
    return { id, message };
  }
}
