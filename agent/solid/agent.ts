// The Solid transport: one agent per WebID drives the protocol core over real pods. It
// watches its inbox, hands each message to the run of its query, persists the run's state
// before acting, and performs the actions: posting to peers' inboxes, arming timers,
// evaluating the selection under the owner's consent policy, publishing the result.
// Everything one agent does is serialised through one queue, so the core sees one event
// at a time.

import { appendFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { parsePlan, parseQuery, serializeMessage, serializeResult } from '../../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, AggregationResult, Message, Registration } from '../../query-vocab/index.ts';
import { decideConsent } from '../core/consent.ts';
import { encodeRows } from '../core/encoding.ts';
import { publicKeys } from '../core/keyring.ts';
import { signRegistration } from '../core/registration.ts';
import { Run, deserialiseState, layoutOf, type Action, type Event } from '../core/protocol.ts';
import { secureRandom } from '../core/random.ts';
import { verifyPlan } from '../core/sortition.ts';
import { ConsentLog, readPolicy } from './consent-store.ts';
import type { Credential } from './credentials.ts';
import { evaluateSelection } from './evaluate.ts';
import type { EventLog, RunEvent } from './events.ts';
import { deliver, listInbox, readMessage, watchInbox, type InboxWatch } from './inbox.ts';
import { podLayout, presenceOfInbox } from './layout.ts';
import type { KeyStore } from './keyfile.ts';
import { loadPopulation, type PeerCache } from './population.ts';
import { ensureAcl } from './provision.ts';
import { ensureContainer, getTurtle, getTurtleIfExists, putTurtle } from './pod.ts';
import { Heartbeat, PresenceMonitor } from './presence.ts';
import { DEFAULT_RETRY, isTransient, withRetry, type RetryPolicy } from './retry.ts';
import { runDirectory } from './run-keys.ts';
import type { AgentSession } from './session.ts';

export interface AgentOptions {
  credential: Credential;
  session: AgentSession;
  /** Current and retired key pairs; each run opens and signs with the pair its plan pins. */
  keys: KeyStore;
  /** The process's state folder; this agent keeps its files in a subfolder. */
  stateDir: string;
  journal: EventLog;
  peers: PeerCache;
  /** Inbox polling period when the server offers no notification channel. */
  pollMs?: number;
  /** Time limit of one evaluation of a selection. */
  evaluationLimitMs?: number;
  /** The failure detector, shared by the agents of a process; its timing sets this agent's heartbeat. */
  presence?: PresenceMonitor;
  /** How requests to pods are retried (deliveries, and own-pod steps while the pod is away). */
  retry?: RetryPolicy;
  /** This agent's clock (Date.now unless a test skews it); see MAX_CLOCK_SKEW_MS. */
  now?: () => number;
}

interface Hosted {
  run: Run;
  query: AggregationQuery;
  plan: AggregationPlan;
  directory: Map<string, Registration>;
  /** When this process opened the run: peers get a stale period to show their first beat. */
  openedAt: number;
}

interface SavedRun {
  query: string;
  state: string;
}

/** A message the core asked to send, kept on disk until its inbox took it. */
interface OutboxEntry {
  query: string;
  to: string;
  inbox: string;
  type: Message['type'];
  group?: string;
  position?: number;
  turtle: string;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

export class SolidAgent {
  readonly webId: string;
  private readonly dir: string;
  private readonly runs = new Map<string, Hosted>();
  private readonly processed = new Set<string>();
  private readonly badQueries = new Map<string, string>();
  private readonly fetching = new Set<string>();
  /** Messages whose reading failed only because a pod was away: how often, to retry a few times. */
  private readonly transientFailures = new Map<string, number>();
  private readonly reads = new Semaphore(8);
  // An aggregator announcing to a zone of hundreds must not open hundreds of connections at once.
  private readonly sends = new Semaphore(8);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly consentLog: ConsentLog;
  private readonly presence: PresenceMonitor;
  private readonly heartbeat: Heartbeat;
  private peerCheck: NodeJS.Timeout | undefined;
  private checking = false;
  private queue: Promise<void> = Promise.resolve();
  private watch: InboxWatch | undefined;
  private polling = false;
  private again = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;

  constructor(private readonly o: AgentOptions) {
    this.webId = o.credential.webId;
    this.now = o.now ?? Date.now;
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.dir = path.join(o.stateDir, 'agents', hash(this.webId));
    mkdirSync(path.join(this.dir, 'runs'), { recursive: true, mode: 0o700 });
    mkdirSync(path.join(this.dir, 'outbox'), { recursive: true, mode: 0o700 });
    this.consentLog = new ConsentLog(o.session.fetch, o.credential.podUrl, path.join(this.dir, 'consent-history.json'));
    this.presence = o.presence ?? new PresenceMonitor();
    const onError = (text: string) => this.record({ query: '', kind: 'log', text });
    this.heartbeat = new Heartbeat(o.session.fetch, podLayout(o.credential.podUrl).presence, this.webId, this.presence.timing, onError);
  }

  /** This agent's registration for a population, signed with its own key. */
  registration(population: string): Registration {
    const { current } = this.o.keys;
    return signRegistration({ webId: this.webId, inbox: this.inbox, ...publicKeys(current) }, population, current.ed25519.secretKey);
  }

  get inbox(): string {
    return podLayout(this.o.credential.podUrl).inbox;
  }

  /** Resumes saved runs, then watches the inbox. */
  async start(): Promise<void> {
    for (const line of readLines(path.join(this.dir, 'processed.txt'))) this.processed.add(line);
    for (const file of readdirSync(path.join(this.dir, 'runs'))) {
      if (!file.endsWith('.json')) continue;
      const saved = JSON.parse(readFileSync(path.join(this.dir, 'runs', file), 'utf8')) as SavedRun;
      this.enqueue(async () => {
        const hosted = await this.open(saved.query, saved.state);
        // A run saved before its start (killed right after joining) starts now.
        this.step(hosted, { type: hosted.run.state.startedAt === null ? 'start' : 'resume' });
        // Killed between asking for an evaluation and contributing: evaluate again.
        const { evaluated, contributor, declined } = hosted.run.state;
        if (evaluated && !contributor && declined === null) void this.evaluate(hosted);
        // Killed between reconstructing the result and writing it: write it now.
        const { querier } = hosted.run.state;
        if (querier?.outcome === 'published' && querier.result && !(await getTurtleIfExists(this.o.session.fetch, querier.result.id.split('#')[0]))) {
          const result = querier.result;
          void this.enqueue(() => this.publish(hosted, result));
        }
      });
    }
    await this.queue;
    for (const file of readdirSync(path.join(this.dir, 'outbox'))) void this.send(path.join(this.dir, 'outbox', file));
    this.watch = await watchInbox(
      this.o.session.fetch,
      this.inbox,
      { onMessages: (urls) => urls.forEach((u) => void this.fetchMessage(u)), onPoll: () => void this.poll() },
      10_000,
      this.o.pollMs ?? 500,
    );
    this.record({ query: '', kind: 'log', text: `watching inbox ${this.inbox} (${this.watch.mode})` });
    this.peerCheck = setInterval(() => void this.checkPeers(), this.presence.timing.beatMs);
    await this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    this.heartbeat.stop();
    clearInterval(this.peerCheck);
    for (const t of this.timers) clearTimeout(t);
    await this.queue;
  }

  /** The querier's entry point: creates the run of a published query and starts it. */
  startQuery(queryUrl: string, planUrl: string): Promise<void> {
    return this.enqueue(async () => {
      if (this.runs.has(queryUrl)) return;
      this.record({ query: queryUrl, kind: 'published', plan: planUrl, text: `published query ${queryUrl}` });
      try {
        await withRetry(this.retry, () => this.open(queryUrl));
      } catch (error) {
        // Whoever waits for this run's end (query publish, the demo) must hear of it.
        const reason = `the querier could not start the run: ${(error as Error).message}`;
        this.record({ query: queryUrl, kind: 'abort', reason, text: `run ended without a result: ${reason}` });
      }
    });
  }

  /** Reads the inbox and handles every message not yet handled; a call during a read queues one more read. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    this.again = false;
    try {
      const urls = await listInbox(this.o.session.fetch, this.inbox);
      await Promise.all(urls.sort().map((url) => this.fetchMessage(url)));
    } catch (error) {
      this.record({ query: '', kind: 'log', text: `inbox unreadable: ${(error as Error).message}` });
    } finally {
      this.polling = false;
    }
    if (this.again) await this.poll();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    // A stopped agent does nothing more, as if its process had died.
    const next = this.queue.then(() => (this.stopped ? undefined : task())).catch((error: unknown) => {
      this.record({ query: '', kind: 'log', text: `internal error: ${(error as Error).stack ?? error}` });
    });
    this.queue = next;
    return next;
  }

  private markProcessed(url: string): void {
    this.processed.add(url);
    appendFileSync(path.join(this.dir, 'processed.txt'), url + '\n');
  }

  /**
   * Reads a message concurrently with other reads (they are I/O), then queues its
   * handling: the core still sees one event at a time.
   */
  private async fetchMessage(url: string): Promise<void> {
    if (this.processed.has(url) || this.fetching.has(url) || this.stopped) return;
    this.fetching.add(url);
    try {
      await this.reads.acquire();
      let read: Message | Error;
      try {
        read = await readMessage(this.o.session.fetch, url);
      } catch (error) {
        read = error as Error;
      } finally {
        this.reads.release();
      }
      await this.enqueue(() => this.receive(url, read));
    } finally {
      this.fetching.delete(url);
    }
  }

  private async receive(url: string, read: Message | Error): Promise<void> {
    if (this.processed.has(url) || this.stopped) return;
    if (read instanceof Error && this.retryLater(url, read)) return;
    if (read instanceof Error) {
      this.record({ query: '', kind: 'rejected', reason: read.message, text: `rejected ${url}: ${read.message}` });
      return this.markProcessed(url);
    }
    const message = read;
    let hosted = this.runs.get(message.query);
    if (!hosted) {
      try {
        // A query that failed to open once is not fetched again for every message naming it.
        const known = this.badQueries.get(message.query);
        if (known) throw new Error(known);
        hosted = await this.open(message.query);
      } catch (error) {
        if (isPermanent(error)) this.badQueries.set(message.query, (error as Error).message);
        else if (this.retryLater(url, error)) return;
        const reason = `unknown or invalid query ${message.query}: ${(error as Error).message}`;
        this.record({ query: message.query, kind: 'rejected', messageType: message.type, peer: message.sender, reason, text: `rejected ${message.type} from ${message.sender}: ${reason}` });
        return this.markProcessed(url);
      }
    }
    this.step(hosted, { type: 'message', message }, url);
  }

  /**
   * A message that failed only because a pod was away (e.g. the server restarting) stays
   * unprocessed, so a later inbox listing reads it again; a few times at most, so a query
   * IRI that never answers costs a bounded number of requests.
   */
  private retryLater(url: string, error: unknown): boolean {
    if (!isTransient(error)) return false;
    const failures = (this.transientFailures.get(url) ?? 0) + 1;
    this.transientFailures.set(url, failures);
    if (failures > this.retry.attempts) return false;
    this.record({ query: '', kind: 'log', text: `will read ${url} again: ${(error as Error).message}` });
    return true;
  }

  /** Loads a query, its plan and population, checks the plan, and creates (or restores) the run. */
  private async open(queryUrl: string, savedState?: string): Promise<Hosted> {
    // Query and plan are public: read them without the owner's credentials, so a message
    // naming some IRI cannot make the agent fetch it as its owner.
    const docUrl = queryUrl.split('#')[0];
    const query = parseQuery(await getTurtle(globalThis.fetch, docUrl), docUrl);
    if (query.id !== queryUrl) throw new Error(`the document holds query ${query.id}, not ${queryUrl}`);
    if (!query.plan || !query.nonce) throw new Error('the query names no plan or nonce');
    const plan = parsePlan(await getTurtle(globalThis.fetch, query.plan.split('#')[0]), query.plan.split('#')[0]);
    if (plan.query !== query.id || plan.nonce !== query.nonce) throw new Error(`plan ${plan.id} is not the plan of ${query.id}`);
    const snapshot = await loadPopulation(this.o.session.fetch, query.population, this.o.peers);
    const zoned = Object.keys(plan.zones);
    const strangers = zoned.filter((w) => !snapshot.members.has(w));
    if (strangers.length) throw new Error(`the plan zones ${strangers.length} WebIDs that are not registered, e.g. ${strangers[0]}`);
    verifyPlan(plan, zoned);
    const directory = await runDirectory(query, plan, snapshot, this.o.peers);
    const mine = directory.get(this.webId);
    if (!mine) throw new Error(`${this.webId} has no part in the plan of ${query.id}`);
    const run = new Run(
      {
        self: this.webId,
        keys: await this.o.keys.pairFor(mine),
        directory,
        query,
        plan,
        now: this.now,
        random: secureRandom,
        resultId: `${podLayout(this.o.credential.podUrl).results}${hash(query.id)}#result`,
      },
      savedState ? deserialiseState(savedState) : undefined,
    );
    const hosted: Hosted = { run, query, plan, directory, openedAt: Date.now() };
    this.runs.set(query.id, hosted);
    // Beat before announcing anything: a peer that hears from us may look for our presence.
    const dependedOnUntil = run.dependedOnUntil();
    if (dependedOnUntil !== null) await this.heartbeat.keepUntil(Date.now() + dependedOnUntil - this.now());
    if (!savedState) {
      // Saved before it is told: a crash from here on resumes the run.
      this.save(hosted);
      this.record({ query: query.id, kind: 'announced', plan: plan.id, text: `joined run of "${query.title}"` });
      this.step(hosted, { type: 'start' });
    }
    return hosted;
  }

  /**
   * The failure detector: the peers each run waits on, judged by their presence documents;
   * one found dead becomes a 'peerFailed' event, as a failed delivery does.
   */
  private async checkPeers(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      for (const hosted of this.runs.values()) {
        if (Date.now() - hosted.openedAt < this.presence.timing.staleMs) continue;
        for (const peer of hosted.run.watched()) {
          const inbox = hosted.directory.get(peer)?.inbox;
          const reason = inbox && (await this.presence.deadReason(presenceOfInbox(inbox)));
          if (!reason || this.stopped) continue;
          this.record({ query: hosted.query.id, kind: 'failed', peer, text: `${peer} looks dead: ${reason}` });
          await this.enqueue(async () => this.step(hosted, { type: 'peerFailed', webId: peer }));
        }
      }
    } finally {
      this.checking = false;
    }
  }

  /** One event through the core: persist the new state, then act. */
  private step(hosted: Hosted, event: Event, inboxUrl?: string): void {
    if (this.stopped) return;
    const actions = hosted.run.handle(event);
    // State and outbox reach the disk before anything is acted on: a crash after this
    // point re-sends the outbox on restart (receivers drop the copies as replays).
    const outbox = actions.flatMap((a) => (a.type === 'send' ? [this.park(hosted, a.to, a.message)] : []));
    this.save(hosted);
    if (inboxUrl) this.markProcessed(inboxUrl);
    if (event.type === 'message' && !actions.some((a) => a.type === 'reject')) {
      const m = event.message;
      this.record({ query: hosted.query.id, kind: 'received', messageType: m.type, peer: m.sender, ...slotOf(m), text: `received ${m.type} from ${m.sender}` });
    }
    for (const action of actions) if (action.type !== 'send') this.perform(hosted, action);
    for (const file of outbox) void this.send(file);
  }

  /** Writes a send to the outbox and returns its file. */
  private park(hosted: Hosted, to: string, message: Message): string {
    const entry: OutboxEntry = {
      query: hosted.query.id, to, inbox: hosted.directory.get(to)?.inbox ?? '', type: message.type, ...slotOf(message), turtle: serializeMessage(message),
    };
    const file = path.join(this.dir, 'outbox', `${Date.now()}-${randomBytes(6).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(entry), { mode: 0o600 });
    return file;
  }

  private save(hosted: Hosted): void {
    const file = path.join(this.dir, 'runs', `${hash(hosted.query.id)}.json`);
    const saved: SavedRun = { query: hosted.query.id, state: hosted.run.serialise() };
    // Write then rename: a crash leaves the old state or the new one, never half of one.
    writeFileSync(`${file}.tmp`, JSON.stringify(saved), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private perform(hosted: Hosted, action: Action): void {
    const query = hosted.query.id;
    switch (action.type) {
      case 'send':
        return; // parked in the outbox and sent by step()
      case 'setTimer': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void this.enqueue(async () => this.step(hosted, { type: 'timer', name: action.name }));
        }, action.delayMs);
        this.timers.add(timer);
        return;
      }
      case 'publish':
        void this.enqueue(() => this.publish(hosted, action.result));
        return;
      case 'abort':
        this.record({ query, kind: 'abort', reason: action.reason, text: `run ended without a result: ${action.reason}` });
        return;
      case 'reject': {
        const m = action.message;
        const reason = `${action.error.code}: ${action.error.message}`;
        this.record({ query, kind: 'rejected', messageType: m.type, peer: m.sender, reason, text: `rejected ${m.type} from ${m.sender}: ${reason}` });
        return;
      }
      case 'log':
        if (action.level !== 'debug') this.record({ query, kind: 'log', text: action.text });
        return;
      case 'evaluate':
        void this.evaluate(hosted);
        return;
    }
  }

  private async send(file: string): Promise<void> {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as OutboxEntry;
    const hosted = this.runs.get(entry.query);
    const event = { query: entry.query, messageType: entry.type, peer: entry.to, group: entry.group, position: entry.position };
    try {
      if (!entry.inbox) throw new Error(`${entry.to} is not in the run's directory`);
      await this.sends.acquire();
      try {
        await deliver(this.o.session.fetch, entry.inbox, entry.turtle, this.retry);
      } finally {
        this.sends.release();
      }
      this.record({ ...event, kind: 'sent', text: `sent ${entry.type} to ${entry.to}` });
    } catch (error) {
      // A stopping agent keeps its outbox: the send is retried after the restart.
      if (this.stopped) return;
      this.record({ ...event, kind: 'failed', text: `could not deliver ${entry.type} to ${entry.to}: ${(error as Error).message}` });
      if (hosted) await this.enqueue(async () => this.step(hosted, { type: 'peerFailed', webId: entry.to }));
    }
    rmSync(file, { force: true });
  }

  /** Consent first, recorded in the pod; only then the selection, under its time limit. */
  private async evaluate(hosted: Hosted): Promise<void> {
    const { query, plan } = hosted;
    const fetch = this.o.session.fetch;
    // Each pod step is retried while the pod is away, so a server restart costs no contribution.
    const retried = <T>(task: () => Promise<T>) => withRetry(this.retry, task);
    let event: Event;
    try {
      const policy = await retried(() => readPolicy(fetch, this.o.credential.podUrl));
      const verdict = policy
        ? decideConsent(policy, query, plan, await this.consentLog.history(), this.now())
        : { accepted: false, reason: 'no consent policy: the owner has not set one (podagg consent set)' };
      const at = new Date(this.now()).toISOString();
      const decision = await retried(() => this.consentLog.append({ owner: this.webId, query: query.id, accepted: verdict.accepted, reason: verdict.reason, at }));
      this.record({ query: query.id, kind: 'consent', accepted: verdict.accepted, reason: verdict.reason, text: `consent ${verdict.accepted ? 'given' : 'refused'}: ${verdict.reason}` });
      if (!verdict.accepted || !policy) {
        event = { type: 'decline', reason: verdict.reason };
      } else {
        const selection = { fetch, selection: query.selection, aggregates: query.aggregates, dataScope: policy.dataScope, timeLimitMs: this.o.evaluationLimitMs ?? 20_000 };
        const rows = await withRetry(this.retry, () => evaluateSelection(selection), () => this.podAway());
        if (rows.length === 0) throw new NoRows();
        const vector = encodeRows(layoutOf({ query, plan }), rows);
        this.record({ query: query.id, kind: 'contributed', text: `contributing ${rows.length} rows` });
        event = { type: 'contribute', vector, consent: decision };
      }
    } catch (error) {
      const reason = error instanceof NoRows ? error.message : `evaluation failed: ${(error as Error).message}`;
      this.record({ query: query.id, kind: 'log', text: reason });
      event = { type: 'decline', reason };
    }
    await this.enqueue(async () => this.step(hosted, event));
  }

  private async publish(hosted: Hosted, result: AggregationResult): Promise<void> {
    const fetch = this.o.session.fetch;
    const { results } = podLayout(this.o.credential.podUrl);
    const url = result.id.split('#')[0];
    await withRetry(this.retry, async () => {
      await ensureContainer(fetch, results);
      await ensureAcl(fetch, results, [
        { name: 'owner', agents: [this.webId], modes: ['Read', 'Write', 'Control'], inherit: true },
        { name: 'public', everyone: true, modes: ['Read'], inherit: true },
      ]);
      await putTurtle(fetch, url, serializeResult(result));
    });
    this.record({ query: hosted.query.id, kind: 'result', result: result.id, text: `published result ${result.id} (${result.contributors} contributors, ${(100 * result.completeness).toFixed(1)} % complete)` });
  }

  /**
   * Whether the own pod is unreachable: the selection engine wraps network errors in its
   * own, so a failed evaluation is retried only when the pod itself does not answer.
   */
  private async podAway(): Promise<boolean> {
    try {
      const response = await this.o.session.fetch(this.o.credential.podUrl, { method: 'HEAD', signal: AbortSignal.timeout(this.retry.timeoutMs) });
      return response.status >= 500;
    } catch (error) {
      return isTransient(error);
    }
  }

  private record(event: Omit<RunEvent, 'at' | 'webId'>): void {
    if (this.stopped) return; // a dead agent says nothing more
    this.o.journal.record({ webId: this.webId, ...event });
  }
}

/** The selection matched nothing: the agent has nothing to contribute. */
class NoRows extends Error {
  constructor() {
    super('no matching data: the selection found no rows in the data scope');
  }
}

function slotOf(m: Message): Pick<RunEvent, 'group' | 'position'> {
  return 'group' in m ? { group: m.group, position: m.position } : {};
}

/** At most `size` holders at once; the others wait in order. */
class Semaphore {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** A refusal that asking again would not change: not a network error, not a 5xx. */
function isPermanent(error: unknown): boolean {
  return !isTransient(error);
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
