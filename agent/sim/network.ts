// The simulator's kernel: the same protocol runs as over Solid, driven by a discrete-event
// loop instead of inboxes. Each node handles one event at a time; handling costs the
// crypto operations the run performed (counted through its CryptoSuite) times a cost per
// operation, plus the model's compute per message received; a message arrives after the
// latency plus its transmission time (queued behind the node's earlier sends where the
// model says so). A node that failed drops what reaches it, and is found dead after a
// detection delay only by the runs that watch it then or later (Run.watched(), as the
// Solid transport's failure detector does): a post to a dead agent's pod succeeds, so a
// sender learns nothing from it. Only the runs that may watch a detectable death
// (mayWatch) are asked, at its detection and after their events. A member
// that declined and holds no role is done: its run is dropped (a transport would forget
// the query too), and what still reaches it costs a signature check, so a large
// population of non-contributors costs almost nothing.

import type { AggregationPlan, AggregationResult, Message, WebId } from '../../query-vocab/types.ts';
import type { Action, Event, RunContext } from '../core/io.ts';
import { mayWatch, Run } from '../core/protocol.ts';
import type { CryptoSuite } from '../core/suite.ts';
import { topology } from '../core/topology.ts';
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
  /** Time a message occupies its sender's link; default its bytes over the bandwidth. */
  transmitMs?(m: Message): number;
  /** Whether a node's sends go one after another on its link (else all in parallel). */
  queueSends?: boolean;
  /** Work on receiving a message beyond opening it (e.g. per model element). */
  receiveMs?(m: Message): number;
  /** A contributor's work generating its shares, before it sends them. */
  shareMs?: number;
  /** A backup's work taking over a position (asking, confirming, opening channels). */
  takeoverMs?: number;
  /**
   * Under full propagation, how long an abort takes to stop everyone, from the aborting
   * node at `height` (0 for a contributor, 1 for a leaf) in a tree of `depth` levels;
   * unset: the querier's abort ends the run, as the protocol carries it.
   */
  globalStopMs?(height: number, depth: number): number;
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

/**
 * A message in flight carries when it left its sender: a sender that died before then
 * never sent it. It becomes an event only when delivered: millions can be in flight at once.
 */
type Item =
  | { kind: 'message'; to: WebId; message: Message; departs: number }
  | { kind: 'event'; to: WebId; event: Event }
  | { kind: 'fail'; webId: WebId }
  | { kind: 'detect'; webId: WebId };

export type Outcome = { type: 'publish'; result: AggregationResult; at: number } | { type: 'abort'; reason: string; at: number };

export class Simulation {
  clock = 0;
  readonly runs = new Map<WebId, Run>();
  readonly dead = new Set<WebId>();
  readonly stats = new Map<WebId, NodeStats>();
  readonly messages: Record<string, number> = {};
  readonly rejects: Array<{ webId: WebId; code: string; message: string }> = [];
  events = 0;
  private readonly sentShares = new Set<WebId>();
  outcome: Outcome | null = null;
  private readonly retired = new Set<WebId>();
  private readonly roles: Set<WebId>;
  private readonly backups: Set<WebId>;
  /** A global stop on its way (full propagation with the model's stop delay). */
  private stopAt: Outcome | null = null;
  private readonly queue = new EventQueue<Item>();
  private readonly busyUntil = new Map<WebId, number>();
  private readonly linkFreeAt = new Map<WebId, number>();
  private readonly diedAt = new Map<WebId, number>();
  /** When each node is to fail (failAt): a decline handled ahead of its time checks it. */
  private readonly failsAt = new Map<WebId, number>();
  /** Deaths past their detection delay that a run may still come to watch: watcher → dead peers not yet told. */
  private readonly untold = new Map<WebId, Set<WebId>>();
  /** The crypto operations of the event being handled. */
  private readonly ops = { crypto: 0, sign: 0 };
  private readonly crypto: CryptoSuite;

  constructor(private readonly opts: SimOptions) {
    const topo = topology(opts.plan);
    this.roles = new Set([...topo.slotsOf.keys(), ...opts.plan.backups]);
    this.backups = new Set(opts.plan.backups);
    const base = opts.crypto;
    const ops = this.ops;
    this.crypto = {
      seal: (...a) => (ops.crypto++, base.seal(...a)),
      open: (...a) => (ops.crypto++, base.open(...a)),
      sign: (u, k) => (ops.sign++, base.sign(u, k)),
      verify: (m, k) => (ops.sign++, base.verify(m, k)),
    };
  }

  /** Starts the querier's run at time 0. */
  start(): void {
    this.queue.push(0, { kind: 'event', to: this.querier(), event: { type: 'start' } });
  }

  failAt(webId: WebId, time: number): void {
    this.queue.push(time, { kind: 'fail', webId });
    this.failsAt.set(webId, Math.min(time, this.failsAt.get(webId) ?? Infinity));
  }

  /** Processes events until the querier publishes or aborts, the queue empties, or `until`. */
  run(until = Infinity): Outcome | null {
    for (;;) {
      if (this.outcome) return this.outcome;
      if (this.stopAt && this.queue.peekTime() > this.stopAt.at && this.stopAt.at <= until) {
        this.clock = this.stopAt.at;
        this.outcome = this.stopAt;
        return this.outcome;
      }
      if (this.queue.peekTime() > until) return this.outcome;
      const item = this.queue.pop();
      if (!item) return this.outcome;
      this.clock = this.queue.poppedTime;
      if (item.kind === 'fail') this.fail(item.webId);
      else if (item.kind === 'detect') this.detect(item.webId);
      else if (item.kind === 'event') this.deliver(item.to, item.event);
      else if (!this.unsent(item)) this.deliver(item.to, { type: 'message', message: item.message });
    }
  }

  /** Members that sent their shares: the denominator of the true completeness. */
  get contributors(): number {
    return this.sentShares.size;
  }

  /** Whether the message's sender died while it was still busy with it or queued it. */
  private unsent(item: Item & { kind: 'message' }): boolean {
    const sender = item.message.sender;
    const died = this.diedAt.get(sender);
    if (died !== undefined && died < item.departs) return true;
    if (item.message.type === 'Contribution') this.sentShares.add(sender);
    return false;
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
    if (this.dead.has(to)) return;
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
    this.ops.crypto = 0;
    this.ops.sign = 0;
    const run = this.runOf(to);
    const before = m.takeoverMs && this.backups.has(to) ? run.slotsHeld().length : 0;
    const actions = run.handle(event);
    let work = this.ops.crypto * m.cryptoMs + this.ops.sign * m.signMs;
    if (event.type === 'message' && m.receiveMs) work += m.receiveMs(event.message);
    if (event.type === 'contribute' && m.shareMs) work += m.shareMs;
    if (m.takeoverMs && this.backups.has(to) && before === 0 && run.slotsHeld().length > 0) work += m.takeoverMs;
    const end = this.charge(to, work);
    const stats = this.statsOf(to);
    if (event.type === 'decline' && this.holdsNoRole(to)) this.retire(to);
    for (const a of actions) {
      this.opts.onAction?.(to, this.clock, a);
      switch (a.type) {
        case 'send':
        case 'announce': {
          // An announcement is a message to each participant: the paper's querier contacts every node.
          for (const recipient of a.type === 'send' ? [a.to] : a.to) {
            const bytes = m.messageBytes(a.message);
            stats.sent++;
            stats.bytes += bytes;
            this.messages[a.message.type] = (this.messages[a.message.type] ?? 0) + 1;
            const transfer = m.transmitMs ? m.transmitMs(a.message) : Number.isFinite(m.bandwidthBytesPerMs) ? bytes / m.bandwidthBytesPerMs : 0;
            const departs = m.queueSends ? Math.max(end, this.linkFreeAt.get(to) ?? 0) : end;
            if (m.queueSends && transfer > 0) this.linkFreeAt.set(to, departs + transfer);
            this.queue.push(departs + transfer + m.latencyMs(this.opts.draw), { kind: 'message', to: recipient, message: a.message, departs });
          }
          // The simulated network never loses a message (a dead recipient is detected as such), so the run owes nothing for it.
          run.handle({ type: 'delivered', id: a.id });
          break;
        }
        case 'setTimer':
          this.schedule(this.clock + a.delayMs, to, { type: 'timer', name: a.name });
          break;
        case 'evaluate': {
          const answer = this.opts.evaluate(to);
          if (answer?.type === 'decline' && this.holdsNoRole(to)) this.declineAt(to, end + m.evaluateMs, answer);
          else if (answer) this.schedule(end + m.evaluateMs, to, answer);
          break;
        }
        case 'prio3':
          // Its cost model has no Prio3 term, and the library's calls are asynchronous.
          throw new Error('the simulator does not run validated queries');
        case 'publish':
          run.handle({ type: 'resultStored' });
          this.outcome = { type: 'publish', result: a.result, at: end };
          break;
        case 'abort':
          this.abort(to, a.reason, end);
          break;
        case 'reject':
          this.rejects.push({ webId: to, code: a.error.code, message: a.error.message });
          break;
        case 'log':
          break;
      }
    }
    if (this.untold.has(to) && this.runs.has(to)) this.tellWatched(to, run);
  }

  /** An abort ends the run where the querier hears of it, or, with a global stop, after the model's delay from any node. */
  private abort(w: WebId, reason: string, end: number): void {
    const stop = this.opts.model.globalStopMs;
    if (!stop) {
      this.outcome = { type: 'abort', reason, at: end };
      return;
    }
    const topo = topology(this.opts.plan);
    const held = this.runs.get(w)?.slotsHeld() ?? [];
    const height = held.length ? Math.max(...held.map((s) => (topo.height.get(s.group) ?? 0) + 1)) : 0;
    const at = end + stop(height, this.opts.plan.params.depth);
    if (!this.stopAt || at < this.stopAt.at) this.stopAt = { type: 'abort', reason, at };
  }

  /** Tells w's run of the detectable deaths it watches now (a stale presence, found on its next read). */
  private tellWatched(w: WebId, run: Run): void {
    const dead = this.untold.get(w);
    if (!dead) return;
    const watched = run.watched();
    for (const x of dead) {
      if (!watched.includes(x)) continue;
      dead.delete(x);
      this.schedule(this.clock, w, { type: 'peerFailed', webId: x });
    }
    if (dead.size === 0) this.untold.delete(w);
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

  /** Neither aggregator, backup nor querier: once it declines, nothing in the run needs it. */
  private holdsNoRole(w: WebId): boolean {
    return !this.roles.has(w) && w !== this.querier();
  }

  /**
   * A member with no role that declines hears of nothing else in the run: its decline is
   * handled now, on a clock set to when its evaluation ends, instead of queued. Its run
   * then ends at once: a million announced members do not all hold a run while they
   * evaluate. One that is to fail by `at` declines nothing, as if the decline had waited in
   * the queue. Its sends are counted even if the run ends before `at`.
   */
  private declineAt(w: WebId, at: number, decline: Event): void {
    if ((this.failsAt.get(w) ?? Infinity) <= at) return this.retire(w);
    const now = this.clock;
    this.clock = at;
    this.deliver(w, decline);
    this.clock = now;
  }

  private retire(w: WebId): void {
    this.runs.delete(w);
    this.untold.delete(w);
    this.busyUntil.delete(w);
    this.retired.add(w);
  }

  private schedule(at: number, to: WebId, event: Event): void {
    this.queue.push(at, { kind: 'event', to, event });
  }

  private fail(w: WebId): void {
    if (this.dead.has(w)) return;
    this.dead.add(w);
    this.diedAt.set(w, this.clock);
    this.untold.delete(w);
    this.queue.push(this.clock + this.opts.model.detectMs, { kind: 'detect', webId: w });
  }

  /** w's death can now be noticed: each run that may watch it is asked now and after its later events. */
  private detect(w: WebId): void {
    for (const n of mayWatch(topology(this.opts.plan), this.querier(), w)) {
      if (this.dead.has(n) || this.retired.has(n)) continue;
      let dead = this.untold.get(n);
      if (!dead) this.untold.set(n, (dead = new Set()));
      dead.add(w);
      const run = this.runs.get(n);
      if (run) this.tellWatched(n, run);
    }
  }
}
