// Runs the agents of several WebIDs in one process (for `agent run --all`, the demo and
// the tests): one login, one provisioning and one SolidAgent each, sharing the journal
// and, unless isolated, the cache of peers' profiles and the failure detector.

import type { Credential } from './credentials.ts';
import { SolidAgent } from './agent.ts';
import { EventLog } from './events.ts';
import { inParallel } from './in-parallel.ts';
import type { NotificationPreference } from './inbox-watch.ts';
import { PeerCache } from './population.ts';
import { PRESENCE_TIMING, PresenceMonitor, type PresenceTiming } from './presence.ts';
import { provision } from './provision.ts';
import type { RandomSource } from '../core/random.ts';
import type { Prio3Performer } from '../core/prio3-work.ts';
import type { RetryPolicy } from './retry.ts';
import type { Scheduler } from './scheduler.ts';
import { login, type AgentSession } from './session.ts';
import { taggedFetch } from './tagged-fetch.ts';

export interface HostOptions {
  stateDir: string;
  pollMs?: number;
  /** How the agents learn of new messages (inbox-watch.ts); 'auto' by default. */
  notifications?: NotificationPreference;
  evaluationLimitMs?: number;
  /** Heartbeat and failure-detection timing (default PRESENCE_TIMING). */
  presence?: PresenceTiming;
  retry?: RetryPolicy;
  /** Each agent's clock and timers (the system's by default): tests skew or drive some. */
  schedulerOf?: (webId: string) => Scheduler;
  /** Each agent's random source (the platform CSPRNG by default): statistical tests seed it. */
  randomOf?: (webId: string) => RandomSource;
  /** Each agent's Prio3 computations (the real ones by default): tests make some cheat. */
  prio3Of?: (webId: string) => Prio3Performer | undefined;
  onProgress?: (done: number, total: number) => void;
  /**
   * Each agent gets a peer cache and a failure detector of its own, as on a machine of its
   * own, so requests counted at the server are what a deployment pays (benchmarks).
   */
  isolated?: boolean;
}

export interface HostedAgent {
  credential: Credential;
  session: AgentSession;
  agent: SolidAgent;
}

export class AgentHost {
  readonly journal: EventLog;
  readonly peers = new PeerCache(globalThis.fetch);
  readonly agents = new Map<string, HostedAgent>();
  readonly presence: PresenceMonitor;

  constructor(private readonly options: HostOptions) {
    this.journal = new EventLog(options.stateDir);
    this.presence = new PresenceMonitor(options.presence ?? PRESENCE_TIMING);
  }

  /** Logs in and provisions each WebID, then starts its agent. */
  async add(credentials: Credential[]): Promise<void> {
    let done = 0;
    // A few at a time: each login and provisioning is a handful of requests.
    await inParallel(credentials, 4, async (c) => {
      await this.addOne(c);
      this.options.onProgress?.(++done, credentials.length);
    });
  }

  private async addOne(credential: Credential): Promise<void> {
    if (this.agents.has(credential.webId)) return;
    const isolated = this.options.isolated === true;
    const own = await login(credential);
    const session = isolated ? { ...own, fetch: taggedFetch(own.fetch, own.webId) } : own;
    const publicFetch = isolated ? taggedFetch(globalThis.fetch, own.webId) : globalThis.fetch;
    const { store } = await provision(session, credential, this.options.stateDir);
    const agent = new SolidAgent({
      credential,
      session,
      keys: store,
      stateDir: this.options.stateDir,
      journal: this.journal,
      peers: isolated ? new PeerCache(publicFetch) : this.peers,
      publicFetch,
      pollMs: this.options.pollMs,
      notifications: this.options.notifications,
      evaluationLimitMs: this.options.evaluationLimitMs,
      presence: isolated ? new PresenceMonitor(this.options.presence ?? PRESENCE_TIMING, publicFetch) : this.presence,
      retry: this.options.retry,
      scheduler: this.options.schedulerOf?.(credential.webId),
      random: this.options.randomOf?.(credential.webId),
      prio3: this.options.prio3Of?.(credential.webId),
    });
    this.agents.set(credential.webId, { credential, session, agent });
    await agent.start();
  }

  get(webId: string): HostedAgent {
    const hosted = this.agents.get(webId);
    if (!hosted) throw new Error(`no agent runs for ${webId} in this process`);
    return hosted;
  }

  /** Stops one agent abruptly, as a crash would: its state folder stays as it was. */
  async kill(webId: string): Promise<void> {
    const hosted = this.get(webId);
    await hosted.agent.stop();
    this.agents.delete(webId);
    await hosted.session.logout().catch(() => undefined);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents.keys()].map((w) => this.kill(w)));
  }
}
