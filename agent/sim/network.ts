// The simulator's kernel: the same protocol runs as over Solid, driven by a discrete-event
// loop instead of inboxes. Each node handles one event at a time; handling costs the
// crypto operations the run performed (counted through its CryptoSuite) times a cost per
// operation; a message arrives after the latency plus its size over the bandwidth. A node
// that failed drops what reaches it; whoever sends to it, and its plan neighbours, learn
// of the failure after a detection delay (the transport's failure detector). A member
// that declined and holds no role is done: its run is dropped (a transport would forget
// the query too), and what still reaches it costs a signature check, so a large
// population of non-contributors costs almost nothing.

import type { AggregationPlan, AggregationResult, Message, WebId } from '../../query-vocab/types.ts';
import { candidates } from '../core/backup.ts';
import type { Action, Event, RunContext } from '../core/io.ts';
import { Run } from '../core/protocol.ts';
import type { CryptoSuite } from '../core/suite.ts';
import { topology, type Slot } from '../core/topology.ts';
import { EventQueue } from './event-queue.ts';
import type { Uniform } from './rng.ts';

export interface CostModel {
  /** One message's network latency. */
  latencyMs(draw: Uniform): number;
  /** Bytes per millisecond; Infinity for no bandwidth limit. */
  bandwidthBytesPerMs: number;
  /** Per seal or open. */
  cryptoMs: number;
  /** Per sign or verify. */
  signMs: number;
  /** How long until a failure is noticed by a sender or a neighbour. */
  detectMs: number;
  /** A contributor's consent check and SPARQL evaluation. */
  evaluateMs: number;
  /** Modelled size of a message on the wire (e.g. for a vector larger than the one simulated). */
  messageBytes(m: Message): number;
}

export interface SimOptions {
  plan: AggregationPlan;
  /** The run context of a node, without the clock and crypto the simulator supplies. */
  context(webId: WebId): Omit<RunContext, 'now' | 'crypto'>;
  /** What the node's transport answers to 'evaluate': contribute, decline, or nothing. */
  evaluate(webId: WebId): Event | null;
  crypto: CryptoSuite;
  model: CostModel;
  draw: Uniform;
  onAction?(webId: WebId, time: number, action: Action): void;
}

export interface NodeStats {
  busyMs: number;
  sent: number;
  bytes: number;
}

type Item = { kind: 'event'; to: WebId; event: Event } | { kind: 'fail'; webId: WebId };

export type Outcome = { type: 'publish'; result: AggregationResult; at: number } | { type: 'abort'; reason: string; at: number };

export class Simulation {
  clock = 0;
  readonly runs = new Map<WebId, Run>();
  readonly dead = new Set<WebId>();
  readonly stats = new Map<WebId, NodeStats>();
  readonly messages: Record<string, number> = {};
  readonly rejects: Array<{ webId: WebId; code: string; message: string }> = [];
  events = 0;
  /** Members that sent their shares: the denominator of the true completeness. */
  contributors = 0;
  outcome: Outcome | null = null;
  private readonly retired = new Set<WebId>();
  private readonly roles: Set<WebId>;
  private readonly queue = new EventQueue<Item>();
  private readonly busyUntil = new Map<WebId, number>();
  private ops = { crypto: 0, sign: 0 };
  private readonly crypto: CryptoSuite;

  constructor(private readonly opts: SimOptions) {
    const topo = topology(opts.plan);
    this.roles = new Set([...topo.slotsOf.keys(), ...opts.plan.backups]);
    const base = opts.crypto;
    const ops = () => this.ops;
    this.crypto = {
      seal: (...a) => (ops().crypto++, base.seal(...a)),
      open: (...a) => (ops().crypto++, base.open(...a)),
      sign: (u, k) => (ops().sign++, base.sign(u, k)),
      verify: (m, k) => (ops().sign++, base.verify(m, k)),
    };
  }

  /** Starts the querier's run at time 0. */
  start(): void {
    this.queue.push(0, { kind: 'event', to: this.querier(), event: { type: 'start' } });
  }

  failAt(webId: WebId, time: number): void {
    this.queue.push(time, { kind: 'fail', webId });
  }

  /** Processes events until the querier publishes or aborts, the queue empties, or `until`. */
  run(until = Infinity): Outcome | null {
    for (;;) {
      if (this.outcome) return this.outcome;
      if (this.queue.peekTime() > until) return this.outcome;
      const next = this.queue.pop();
      if (!next) return this.outcome;
      this.clock = next.time;
      const item = next.item;
      if (item.kind === 'fail') this.fail(item.webId);
      else this.deliver(item.to, item.event);
    }
  }

  private querierId: WebId | null = null;

  private querier(): WebId {
    this.querierId ??= this.opts.context(this.opts.plan.groups[0].members[0]).query.querier;
    return this.querierId;
  }

  private runOf(w: WebId): Run {
    let run = this.runs.get(w);
    if (!run) {
      const ctx: RunContext = { ...this.opts.context(w), now: () => this.clock, crypto: this.crypto };
      run = new Run(ctx);
      this.runs.set(w, run);
    }
    return run;
  }

  private statsOf(w: WebId): NodeStats {
    let s = this.stats.get(w);
    if (!s) this.stats.set(w, (s = { busyMs: 0, sent: 0, bytes: 0 }));
    return s;
  }

  private deliver(to: WebId, event: Event): void {
    if (this.dead.has(to)) {
      if (event.type === 'message') this.schedule(this.clock + this.opts.model.detectMs, event.message.sender, { type: 'peerFailed', webId: to });
      return;
    }
    if (event.type === 'peerFailed' && !this.runs.has(to)) return; // not in the query (any more): nothing to react
    const busy = this.busyUntil.get(to) ?? 0;
    if (busy > this.clock) {
      this.queue.push(busy, { kind: 'event', to, event }); // one event at a time per node
      return;
    }
    this.events++;
    const m = this.opts.model;
    if (this.retired.has(to)) {
      if (event.type === 'message') this.charge(to, m.signMs);
      return;
    }
    this.ops = { crypto: 0, sign: 0 };
    const run = this.runOf(to);
    const actions = run.handle(event);
    const end = this.charge(to, this.ops.crypto * m.cryptoMs + this.ops.sign * m.signMs);
    const stats = this.statsOf(to);
    if (event.type === 'contribute' && actions.some((a) => a.type === 'send')) this.contributors++;
    if (event.type === 'decline' && !this.roles.has(to) && to !== this.querier()) this.retire(to);
    for (const a of actions) {
      this.opts.onAction?.(to, this.clock, a);
      switch (a.type) {
        case 'send': {
          const bytes = m.messageBytes(a.message);
          stats.sent++;
          stats.bytes += bytes;
          this.messages[a.message.type] = (this.messages[a.message.type] ?? 0) + 1;
          const transfer = Number.isFinite(m.bandwidthBytesPerMs) ? bytes / m.bandwidthBytesPerMs : 0;
          this.schedule(end + m.latencyMs(this.opts.draw) + transfer, a.to, { type: 'message', message: a.message });
          // The simulated network never loses a message (a dead recipient is detected as such), so the run owes nothing for it.
          run.handle({ type: 'delivered', id: a.id });
          break;
        }
        case 'setTimer':
          this.schedule(this.clock + a.delayMs, to, { type: 'timer', name: a.name });
          break;
        case 'evaluate': {
          const answer = this.opts.evaluate(to);
          if (answer) this.schedule(end + m.evaluateMs, to, answer);
          break;
        }
        case 'publish':
          run.handle({ type: 'resultStored' });
          this.outcome = { type: 'publish', result: a.result, at: end };
          break;
        case 'abort':
          this.outcome = { type: 'abort', reason: a.reason, at: end };
          break;
        case 'reject':
          this.rejects.push({ webId: to, code: a.error.code, message: a.error.message });
          break;
        case 'log':
          break;
      }
    }
  }

  /** Charges `cost` ms of work to w from now; returns when w is free again. */
  private charge(w: WebId, cost: number): number {
    const end = this.clock + cost;
    if (cost > 0) {
      this.busyUntil.set(w, end);
      this.statsOf(w).busyMs += cost;
    }
    return end;
  }

  private retire(w: WebId): void {
    this.runs.delete(w);
    this.busyUntil.delete(w);
    this.retired.add(w);
  }

  private schedule(at: number, to: WebId, event: Event): void {
    this.queue.push(at, { kind: 'event', to, event });
  }

  private fail(w: WebId): void {
    if (this.dead.has(w)) return;
    this.dead.add(w);
    for (const n of this.neighbours(w)) this.schedule(this.clock + this.opts.model.detectMs, n, { type: 'peerFailed', webId: w });
  }

  /** Who watches w: its group peers, parent and child groups, its zone, the querier. */
  neighbours(w: WebId): Set<WebId> {
    const topo = topology(this.opts.plan);
    const slots: Slot[] = this.runs.get(w)?.slotsHeld() ?? topo.slotsOf.get(w) ?? [];
    const out = new Set<WebId>();
    const addGroup = (group: string) => {
      const g = topo.groups.get(group);
      if (g) for (let p = 0; p < g.members.length; p++) for (const c of candidates(topo, group, p)) out.add(c);
    };
    for (const { group } of slots) {
      const g = topo.groups.get(group);
      if (!g) continue;
      addGroup(group);
      if (g.parent !== null) addGroup(g.parent);
      else out.add(this.querier());
      for (const c of topo.children.get(group) ?? []) addGroup(c);
      for (const z of topo.zones.get(group) ?? []) out.add(z);
    }
    out.delete(w);
    return out;
  }
}
