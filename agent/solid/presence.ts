// Liveness over Solid. A dead agent's pod still accepts posts, so a failed POST says
// nothing; instead an agent rewrites a public presence document every beat while peers
// depend on it, and a peer whose document is missing or older than the stale limit is
// taken for dead. Age is read off the server's own clock (its Date header against the
// document's Last-Modified), so clock skew between agents does not enter.

import { serializePresence } from '../../query-vocab/index.ts';
import { errorText, putTurtle, type Fetch } from './pod.ts';

export interface PresenceTiming {
  /** How often a depended-on agent rewrites its presence document, and peers look. */
  beatMs: number;
  /** Older than this (by the server's clock), the agent is taken for dead. */
  staleMs: number;
}

// Stale after several missed beats: a busy server or event loop delays a beat by seconds.
export const PRESENCE_TIMING: PresenceTiming = { beatMs: 3000, staleMs: 20_000 };

/** Why a peer looks dead, and how long ago (by its server's clock) it last beat. */
export interface DeadVerdict {
  reason: string;
  /** Infinity when it never did. */
  ageMs: number;
}

/** Keeps an agent's presence document fresh until the last run that needs it is over. */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private until = 0;
  private beating = false;

  constructor(
    private readonly fetch: Fetch,
    private readonly url: string,
    private readonly webId: string,
    private readonly monitor: PresenceMonitor,
    private readonly onError: (message: string) => void,
  ) {}

  /**
   * Beats now (unless already beating) and then every beat for `durationMs`, extending any
   * earlier end. It does not wait for the beat: peers give an agent a stale period to show
   * its first one (peer-watch.ts), and a run must not wait on a slow server to start.
   */
  keepFor(durationMs: number): void {
    this.until = Math.max(this.until, Date.now() + durationMs);
    if (this.timer) return;
    this.timer = setInterval(() => (Date.now() > this.until ? this.stop() : void this.beat()), this.monitor.timing.beatMs);
    void this.beat();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    // One beat at a time: under load a slow server must not get a pile of them.
    if (this.beating) return;
    this.beating = true;
    try {
      await putTurtle(this.fetch, this.url, serializePresence(this.url, this.webId, new Date()), AbortSignal.timeout(this.monitor.timing.staleMs / 2));
    } catch (error) {
      if (error instanceof TypeError) this.monitor.serverUnreachable(this.url);
      this.onError(`presence not written: ${errorText(error)}`);
    } finally {
      this.beating = false;
    }
  }
}

/**
 * Judges peers by their presence documents. One answer serves every agent of the process
 * for a beat, so a hundred agents watching the same aggregator cost one request.
 */
export class PresenceMonitor {
  private readonly seen = new Map<string, { at: number; verdict: Promise<DeadVerdict | null> }>();
  /** When each pod server last failed to answer a probe. */
  private readonly unreachable = new Map<string, number>();

  constructor(
    readonly timing: PresenceTiming = PRESENCE_TIMING,
    private readonly fetch: Fetch = globalThis.fetch,
  ) {}

  /**
   * The server of `url` did not answer (a probe, or this process's own beat): for a stale
   * period, the documents it holds are no evidence, since it could not take beats.
   */
  serverUnreachable(url: string): void {
    this.unreachable.set(new URL(url).origin, Date.now());
  }

  /** Why the agent behind `url` looks dead, or null when it looks alive or cannot be judged. */
  deadReason(url: string): Promise<DeadVerdict | null> {
    const hit = this.seen.get(url);
    if (hit && Date.now() - hit.at < this.timing.beatMs) return hit.verdict;
    const verdict = this.probe(url);
    this.seen.set(url, { at: Date.now(), verdict });
    return verdict;
  }

  private async probe(url: string): Promise<DeadVerdict | null> {
    let response: Response;
    const asked = Date.now();
    try {
      response = await this.fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(this.timing.staleMs / 2) });
    } catch {
      // The pod server is unreachable: a failed delivery will tell.
      this.serverUnreachable(url);
      return null;
    }
    // A server (or a process) this slow to answer is as slow to store beats: no verdict.
    if (Date.now() - asked > this.timing.beatMs) return null;
    // Nor while a server back from an outage holds the beats it could not take as stale.
    if (Date.now() - (this.unreachable.get(new URL(url).origin) ?? -Infinity) < this.timing.staleMs) return null;
    if (response.status === 404) return { reason: 'it has no presence document', ageMs: Infinity };
    if (!response.ok) return null; // e.g. not readable or a server error: no evidence either way
    const modified = Date.parse(response.headers.get('last-modified') ?? '');
    const now = Date.parse(response.headers.get('date') ?? '');
    if (Number.isNaN(modified) || Number.isNaN(now)) return null;
    const age = now - modified;
    return age > this.timing.staleMs ? { reason: `its presence is ${Math.round(age / 1000)} s old`, ageMs: age } : null;
  }
}
