// The Solid transport's driver: one agent per WebID feeds the protocol core events and
// performs the actions it returns. Events come from the inbox reader (messages), the
// scheduler (timers), the outbox (deliveries), the evaluation step, the result store and
// the failure detector; each goes through one queue, so the core sees one event at a time,
// and the run's state is saved before any of its actions is performed. After a restart
// the core says what is still owed ('resume'): this file decides nothing about recovery.

import path from 'node:path';
import type { AggregationPlan, AggregationQuery, Message, Registration } from '../../query-vocab/index.ts';
import { shortDigest } from '../core/digest.ts';
import { publicKeys } from '../core/keyring.ts';
import { signRegistration } from '../core/registration.ts';
import { performPrio3, type Prio3Performer } from '../core/prio3-work.ts';
import { Run, deserialiseState, type Action, type Event } from '../core/protocol.ts';
import { validationFor } from '../core/runtime.ts';
import { secureRandom, type RandomSource } from '../core/random.ts';
import { MAX_CLOCK_SKEW_MS } from '../core/clock.ts';
import { announcementSlug, checkAnnouncement, isOver } from './announcements.ts';
import { ConsentLog } from './consent-store.ts';
import type { Credential } from './credentials.ts';
import { evaluateContribution } from './evaluation.ts';
import type { EventLog, RunEvent } from './events.ts';
import { InboxReader } from './inbox-reader.ts';
import type { NotificationPreference } from './inbox-watch.ts';
import type { KeyStore } from './keyfile.ts';
import { podLayout } from './layout.ts';
import { agentFolder, rememberPopulation, rememberedPopulations } from './memberships.ts';
import { Outbox, type DeliveryOutcome, type Parcel } from './outbox.ts';
import { PeerWatch } from './peer-watch.ts';
import { PolicySource } from './policy-source.ts';
import { PodError, type Fetch } from './pod.ts';
import { announcementsOf, joinPopulation, type PeerCache } from './population.ts';
import { Heartbeat, PresenceMonitor } from './presence.ts';
import { resultIdOf, storeResult } from './results.ts';
import { DEFAULT_RETRY, isTransient, withRetry, type RetryPolicy } from './retry.ts';
import { leafBackupPins } from './run-keys.ts';
import { loadRun } from './run-loader.ts';
import { RunStore } from './run-store.ts';
import { systemScheduler, type Cancel, type Scheduler } from './scheduler.ts';
import { SerialQueue } from './serial-queue.ts';
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
  /** Reads public documents (queries, plans) without the owner's credentials; globalThis.fetch by default. */
  publicFetch?: Fetch;
  /** Inbox polling period when the server offers no notification channel. */
  pollMs?: number;
  /** How the agent learns of new messages (inbox-watch.ts); 'auto' by default. */
  notifications?: NotificationPreference;
  /** Time limit of one evaluation of a selection. */
  evaluationLimitMs?: number;
  /** The failure detector, shared by the agents of a process; its timing sets this agent's heartbeat. */
  presence?: PresenceMonitor;
  /** How requests to pods are retried (deliveries, and own-pod steps while the pod is away). */
  retry?: RetryPolicy;
  /** The agent's clock and timers (the system's unless a test skews or drives them); see MAX_CLOCK_SKEW_MS. */
  scheduler?: Scheduler;
  /** Where its runs draw shares, sealing keys and noise; the platform CSPRNG unless a statistical test seeds it. */
  random?: RandomSource;
  /** The Prio3 computations of validated queries (performPrio3 by default): tests give a cheating agent a doctored encoder. */
  prio3?: Prio3Performer;
}

/** How long before an agent tries again to watch a population whose announcements it could not read. */
const WATCH_RETRY_MS = 10_000;

/**
 * Listing period of the announcements where the server offers no notification channel: a
 * member heard of 5 s late still answers well within the 25 s a leaf collects over Solid,
 * and polling as often as the inbox doubled the requests on a slow server (NSS).
 */
const ANNOUNCEMENT_POLL_MS = 5_000;

/** The HTTP status an error carries (ours, or the Inrupt client's FetchError), if any. */
const statusOf = (error: unknown): number | undefined => (error instanceof PodError ? error.status : (error as { statusCode?: number }).statusCode);

interface Hosted {
  run: Run;
  query: AggregationQuery;
  plan: AggregationPlan;
  directory: Map<string, Registration>;
  /** The check of the leaf backups' pins, made before the run hears of its first failure. */
  backupCheck?: Promise<void>;
}

export class SolidAgent {
  readonly webId: string;
  private readonly runs = new Map<string, Hosted>();
  /** Queries that failed to open for good: not fetched again for every message naming them. */
  private readonly badQueries = new Map<string, string>();
  private readonly timers = new Set<Cancel>();
  private readonly queue = new SerialQueue((error) => this.log(`internal error: ${(error as Error).stack ?? error}`));
  private readonly clock: Scheduler;
  private readonly retry: RetryPolicy;
  private readonly store: RunStore;
  private readonly reader: InboxReader;
  /** One reader per population the agent watches for announcements. */
  private readonly announcements = new Map<string, InboxReader>();
  private readonly folder: string;
  private started = false;
  private readonly outbox: Outbox;
  private readonly consentLog: ConsentLog;
  private readonly policy: PolicySource;
  private readonly heartbeat: Heartbeat;
  private readonly presence: PresenceMonitor;
  private peerWatch: PeerWatch | undefined;
  private stopped = false;

  constructor(private readonly o: AgentOptions) {
    this.webId = o.credential.webId;
    this.clock = o.scheduler ?? systemScheduler;
    this.retry = o.retry ?? DEFAULT_RETRY;
    const dir = (this.folder = agentFolder(o.stateDir, this.webId));
    this.store = new RunStore(path.join(dir, 'runs'));
    this.reader = new InboxReader({
      fetch: o.session.fetch, inbox: this.inbox, processedFile: path.join(dir, 'processed.txt'), retry: this.retry, pollMs: o.pollMs ?? 500, notifications: o.notifications,
      onMessage: (url, read) => this.queue.push(() => this.receive(this.reader, url, read)), log: (text) => this.log(text),
    });
    this.outbox = new Outbox(o.session.fetch, this.retry, (parcel, outcome) => this.delivered(parcel, outcome));
    this.consentLog = new ConsentLog(o.session.fetch, o.credential.podUrl, path.join(dir, 'consent-history.json'));
    this.policy = new PolicySource(o.session.fetch, o.credential.podUrl, (text) => this.log(text));
    this.presence = o.presence ?? new PresenceMonitor();
    this.heartbeat = new Heartbeat(o.session.fetch, podLayout(o.credential.podUrl).presence, this.webId, this.presence, (text) => this.log(text));
  }

  /** This agent's registration for a population, signed with its own key. */
  registration(population: string): Registration {
    const { current } = this.o.keys;
    return signRegistration({ webId: this.webId, inbox: this.inbox, ...publicKeys(current) }, population, current.ed25519.secretKey);
  }

  get inbox(): string {
    return podLayout(this.o.credential.podUrl).inbox;
  }

  /** Resumes saved runs, then watches the inbox and the peers the runs wait on. */
  async start(): Promise<void> {
    for (const saved of this.store.all()) {
      this.queue.push(() => this.open(saved.query, saved.state).then(() => undefined));
    }
    await this.queue.drained();
    const watch = await this.reader.start();
    this.record({ query: '', kind: 'watching', notifications: watch.mode, text: `watching inbox ${this.inbox}: ${watch.summary}` });
    this.started = true;
    await Promise.all(rememberedPopulations(this.folder).map((population) => this.watchAnnouncements(population)));
    // Killed while starting: nothing may outlive the agent.
    if (this.stopped) return;
    // Members hear of a query and answer it within the leaves' collect window: until then a
    // peer that has not beaten yet may just not have heard. The window also says how loaded
    // the plan expects the servers (and, in a benchmark, the agents' shared machines) to be:
    // a live peer's beat may be late by a quarter of it.
    const watched = () => [...this.runs.values()].map((h) => ({
      query: h.query.id,
      graceMs: h.plan.params.timeouts.collectMs,
      staleMs: Math.max(this.presence.timing.staleMs, h.plan.params.timeouts.collectMs / 4),
      watched: () => h.run.watched().map((peer) => ({ peer, inbox: h.directory.get(peer)?.inbox })),
    }));
    this.peerWatch = new PeerWatch(this.presence, watched, (query, peer, reason) => this.peerDead(query, peer, reason));
    await this.reader.list();
  }

  /** Whether the message at `url` was handled (and so is deleted, or being deleted). */
  handled(url: string): boolean {
    return this.reader.isProcessed(url);
  }

  /** Resolves once every message handled so far is deleted from the inbox, and every ended announcement pruned. */
  async inboxSettled(): Promise<void> {
    await Promise.all([this.reader, ...this.announcements.values()].map((r) => r.settled()));
  }

  /** Registers in `population`, and hears of the queries announced there from now on, after every restart too. */
  async join(population: string): Promise<'joined' | 'already a member'> {
    if (!population.endsWith('/')) throw new Error(`a population is a container: its URL must end with "/", not ${population}`);
    const outcome = await joinPopulation(this.o.session.fetch, population, this.registration(population));
    rememberPopulation(this.folder, population);
    if (this.started) await this.watchAnnouncements(population);
    return outcome;
  }

  private async watchAnnouncements(population: string): Promise<void> {
    if (this.announcements.has(population) || this.stopped) return;
    const container = announcementsOf(population);
    // The owner's agent deletes the announcements of runs over, past any member's clock skew.
    const pod = this.o.credential.podUrl.endsWith('/') ? this.o.credential.podUrl : `${this.o.credential.podUrl}/`;
    const owned = population.startsWith(pod);
    const reader: InboxReader = new InboxReader({
      fetch: this.o.session.fetch, inbox: container, processedFile: path.join(this.folder, `announcements-${shortDigest(population)}.txt`),
      retry: this.retry, pollMs: Math.max(this.o.pollMs ?? 500, ANNOUNCEMENT_POLL_MS), notifications: this.o.notifications, keep: true,
      skip: (url) => isOver(url, this.clock.now()),
      prune: (url) => owned && isOver(url, this.clock.now() - MAX_CLOCK_SKEW_MS),
      onMessage: (url, read) => this.queue.push(() => this.receive(reader, url, read, (m) => checkAnnouncement(m, population))),
      log: (text) => this.log(text),
    });
    this.announcements.set(population, reader);
    try {
      const watch = await reader.start();
      this.log(`watching the announcements of ${population}: ${watch.summary}`);
      await reader.list();
    } catch (error) {
      this.announcements.delete(population);
      reader.stop();
      // A population made before announcements existed: its queries are announced in the inbox.
      if (statusOf(error) === 404) return this.log(`population ${population} has no announcements to watch: its queries are announced in the inbox`);
      this.log(`cannot watch the announcements of ${population} yet (${(error as Error).message}): trying again in ${WATCH_RETRY_MS / 1000} s`);
      this.after(WATCH_RETRY_MS, `watch ${population}`, () => void this.watchAnnouncements(population));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reader.stop();
    for (const reader of this.announcements.values()) reader.stop();
    this.outbox.stop();
    this.heartbeat.stop();
    this.policy.stop();
    this.peerWatch?.stop();
    for (const cancel of this.timers) cancel();
    await this.queue.close();
  }

  /** The querier's entry point: creates the run of a published query and starts it. */
  startQuery(queryUrl: string, planUrl: string): Promise<void> {
    return this.queue.push(async () => {
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

  /**
   * A message read from the inbox or a population's announcements (`from`): it goes to its
   * run, opened first if new. An announcement is checked (`vouch`) before its query is fetched.
   */
  private async receive(from: InboxReader, url: string, read: Message | Error, vouch?: (m: Message) => void): Promise<void> {
    if (from.isProcessed(url) || this.stopped) return;
    if (read instanceof Error) {
      if (from.retryLater(url, read)) return;
      this.record({ query: '', kind: 'rejected', reason: read.message, text: `rejected ${url}: ${read.message}` });
      return from.markProcessed(url);
    }
    let hosted = this.runs.get(read.query);
    if (!hosted && vouch) {
      try {
        vouch(read);
      } catch (error) {
        // The announcement's fault, not its query's: the query is not marked bad.
        return this.refuse(from, url, read, `announcement refused: ${(error as Error).message}`);
      }
    }
    if (!hosted) {
      try {
        const known = this.badQueries.get(read.query);
        if (known) throw new Error(known);
        hosted = await this.open(read.query);
      } catch (error) {
        if (!isTransient(error)) this.badQueries.set(read.query, (error as Error).message);
        else if (from.retryLater(url, error)) return;
        return this.refuse(from, url, read, `unknown or invalid query ${read.query}: ${(error as Error).message}`);
      }
    }
    this.step(hosted, { type: 'message', message: read }, { from, url });
  }

  /** A timer of the agent's clock, cancelled when the agent stops. */
  private after(delayMs: number, name: string, fire: () => void): void {
    const cancel = this.clock.after(delayMs, () => {
      this.timers.delete(cancel);
      fire();
    }, name);
    this.timers.add(cancel);
  }

  private refuse(from: InboxReader, url: string, m: Message, reason: string): void {
    if (this.stopped) return;
    this.record({ query: m.query, kind: 'rejected', messageType: m.type, peer: m.sender, reason, text: `rejected ${m.type} from ${m.sender}: ${reason}` });
    from.markProcessed(url);
  }

  /** Loads and checks a run's documents, creates (or restores) the run, and starts (or resumes) it. */
  private async open(queryUrl: string, savedState?: string): Promise<Hosted> {
    const restored = savedState ? deserialiseState(savedState) : undefined;
    // A run that already met failures may seal to its leaf's backups as soon as it resumes.
    const leafBackups = (restored?.failed.length ?? 0) > 0;
    const { query, plan, directory } = await loadRun(this.o.publicFetch ?? globalThis.fetch, this.o.session.fetch, this.webId, this.o.peers, queryUrl, { leafBackups });
    const mine = directory.get(this.webId);
    if (!mine) throw new Error(`${this.webId} has no part in the plan of ${query.id}`);
    const context = {
      self: this.webId, keys: await this.o.keys.pairFor(mine), directory, query, plan,
      now: () => this.clock.now(), random: this.o.random ?? secureRandom, resultId: resultIdOf(this.o.credential.podUrl, query.id),
    };
    const hosted: Hosted = { run: new Run(context, restored), query, plan, directory, backupCheck: leafBackups ? Promise.resolve() : undefined };
    this.runs.set(query.id, hosted);
    // Beat before announcing anything: a peer that hears from us may look for our presence.
    const dependedOnUntil = hosted.run.dependedOnUntil();
    if (dependedOnUntil !== null) this.heartbeat.keepFor(dependedOnUntil - this.clock.now());
    if (!savedState) {
      // Saved before it is told: a crash from here on resumes (and so starts) the run.
      this.store.save({ query: query.id, state: hosted.run.serialise() });
      this.record({ query: query.id, kind: 'announced', plan: plan.id, text: `joined run of "${query.title}"` });
    }
    this.step(hosted, { type: savedState ? 'resume' : 'start' });
    return hosted;
  }

  /** One event through the core: save the new state (and mark the message handled), then act. */
  private step(hosted: Hosted, event: Event, handled?: { from: InboxReader; url: string }): void {
    if (this.stopped) return;
    const actions = hosted.run.handle(event);
    this.store.save({ query: hosted.query.id, state: hosted.run.serialise() });
    handled?.from.markProcessed(handled.url);
    if (event.type === 'message' && !actions.some((a) => a.type === 'reject')) {
      const m = event.message;
      this.record({ query: hosted.query.id, kind: 'received', messageType: m.type, peer: m.sender, ...slotOf(m), text: `received ${m.type} from ${m.sender}` });
    }
    for (const action of actions) this.perform(hosted, action);
  }

  /** Queues an event for a run: the answer of some I/O the run asked for. */
  private later(hosted: Hosted, event: Event): Promise<void> {
    return this.queue.push(() => this.step(hosted, event));
  }

  private perform(hosted: Hosted, action: Action): void {
    const query = hosted.query.id;
    switch (action.type) {
      case 'send':
        return this.outbox.post({ query, id: action.id, to: action.to, inbox: hosted.directory.get(action.to)?.inbox, message: action.message });
      case 'announce': {
        const { population } = hosted.query;
        const slug = announcementSlug(action.until, query);
        return this.outbox.post({ query, id: action.id, to: population, inbox: announcementsOf(population), slug, message: action.message });
      }
      case 'setTimer':
        return this.after(action.delayMs, `${query} ${action.name}`, () => void this.later(hosted, { type: 'timer', name: action.name }));
      case 'evaluate': {
        const context = {
          fetch: this.o.session.fetch, webId: this.webId, podUrl: this.o.credential.podUrl, policy: this.policy, consentLog: this.consentLog, now: () => this.clock.now(),
          retry: this.retry, timeLimitMs: this.o.evaluationLimitMs ?? 20_000, record: (e: Omit<RunEvent, 'at' | 'webId' | 'query'>) => this.record({ query, ...e }),
        };
        void evaluateContribution(context, hosted.query, hosted.plan).then((event) => this.later(hosted, event));
        return;
      }
      case 'prio3': {
        const { ctx } = hosted.run;
        const validation = validationFor(ctx);
        if (!validation) return;
        void (this.o.prio3 ?? performPrio3)(validation, ctx.plan.params.groupSize, action.work, ctx.random).then(
          (outcome) => this.later(hosted, { type: 'prio3Done', work: action.work, outcome }),
          (error: Error) => this.record({ query, kind: 'log', text: `Prio3 ${action.work.kind} failed: ${error.message}` }),
        );
        return;
      }
      case 'publish':
        void this.queue.push(async () => {
          await storeResult(this.o.session.fetch, this.o.credential.podUrl, this.webId, action.result, this.retry);
          const { result } = action;
          this.record({ query, kind: 'result', result: result.id, text: `published result ${result.id} (${result.contributors} contributors, ${(100 * result.completeness).toFixed(1)} % complete)` });
          this.step(hosted, { type: 'resultStored' });
        });
        return;
      case 'abort':
        return this.record({ query, kind: 'abort', reason: action.reason, text: `run ended without a result: ${action.reason}` });
      case 'reject': {
        const m = action.message;
        const reason = `${action.error.code}: ${action.error.message}`;
        return this.record({ query, kind: 'rejected', messageType: m.type, peer: m.sender, reason, text: `rejected ${m.type} from ${m.sender}: ${reason}` });
      }
      case 'log':
        if (action.level !== 'debug') this.record({ query, kind: 'log', text: action.text });
        return;
    }
  }

  private delivered(parcel: Parcel, outcome: DeliveryOutcome): void {
    const { query, to, message } = parcel;
    const event = { query, messageType: message.type, peer: to, ...slotOf(message) };
    if (outcome.type === 'delivered') this.record({ ...event, kind: 'sent', text: `sent ${message.type} to ${to}` });
    else this.record({ ...event, kind: 'failed', text: `could not deliver ${message.type} to ${to}: ${outcome.reason}` });
    const hosted = this.runs.get(query);
    if (!hosted) return;
    const answer = { type: outcome.type, id: parcel.id };
    if (outcome.type === 'delivered') void this.later(hosted, answer);
    else void this.backupsChecked(hosted).then(() => this.later(hosted, answer));
  }

  private async peerDead(query: string, peer: string, reason: string): Promise<void> {
    const hosted = this.runs.get(query);
    if (!hosted || this.stopped) return;
    this.record({ query, kind: 'failed', peer, text: `${peer} looks dead: ${reason}` });
    await this.backupsChecked(hosted);
    await this.later(hosted, { type: 'peerFailed', webId: peer });
  }

  /**
   * The leaf backups a failure may make the run seal to, checked once, before the run hears
   * of its first failure (run-keys.ts); one whose pin is false is taken for failed first.
   */
  private backupsChecked(hosted: Hosted): Promise<void> {
    hosted.backupCheck ??= leafBackupPins(hosted.query, hosted.plan, hosted.directory, this.webId, this.o.peers).then((refused) => {
      for (const { webId, reason } of refused) {
        this.record({ query: hosted.query.id, kind: 'log', text: `backup ${webId} cannot take over: ${reason}` });
        void this.later(hosted, { type: 'peerFailed', webId });
      }
    });
    return hosted.backupCheck;
  }

  private log(text: string): void {
    this.record({ query: '', kind: 'log', text });
  }

  private record(event: Omit<RunEvent, 'at' | 'webId'>): void {
    if (this.stopped) return; // a dead agent says nothing more
    this.o.journal.record({ webId: this.webId, ...event });
  }
}

function slotOf(m: Message): Pick<RunEvent, 'group' | 'position'> {
  return 'group' in m ? { group: m.group, position: m.position } : {};
}
