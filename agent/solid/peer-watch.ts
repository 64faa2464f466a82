// The failure detector's loop: every beat, the peers each run waits on are judged by
// their presence documents; one found dead is reported once per check, and the driver
// turns it into a 'peerFailed' event, as an undeliverable send is. A run gives its peers a
// stale period to show their first beat, and a peer that has not beaten since the run
// began the plan's grace (on a loaded server, hundreds of members learn of a query over
// tens of seconds, and one that has not yet is not dead); a peer that beat in the run and
// stopped is judged by staleness alone, with a stale period the run may lengthen (a large
// run's agents share loaded machines, and a live one's beat can be late). Like presence
// itself, this runs on real time, not on the agent's (possibly skewed or driven) clock.

import type { WebId } from '../../query-vocab/index.ts';
import { presenceOfInbox } from './layout.ts';
import type { PresenceMonitor } from './presence.ts';

export interface WatchedRun {
  query: string;
  /** How long after the run is first seen a peer that has not beaten in it yet is not taken for dead. */
  graceMs: number;
  /** How old a peer's last beat may be before it is taken for dead (at least the monitor's stale period). */
  staleMs: number;
  /** The peers the run waits on now, with their inboxes (undefined: not in the directory). */
  watched(): Array<{ peer: WebId; inbox: string | undefined }>;
}

export class PeerWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly firstSeen = new Map<string, number>();
  private checking = false;
  private stopped = false;

  constructor(
    private readonly monitor: PresenceMonitor,
    private readonly runs: () => Iterable<WatchedRun>,
    private readonly onDead: (query: string, peer: WebId, reason: string) => Promise<void>,
  ) {
    this.timer = setInterval(() => void this.check(), monitor.timing.beatMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      for (const run of this.runs()) {
        if (!this.firstSeen.has(run.query)) this.firstSeen.set(run.query, Date.now());
        const elapsed = Date.now() - (this.firstSeen.get(run.query) ?? 0);
        if (elapsed < this.monitor.timing.staleMs) continue;
        for (const { peer, inbox } of run.watched()) {
          const verdict = inbox ? await this.monitor.deadReason(presenceOfInbox(inbox)) : null;
          if (!verdict || verdict.ageMs <= run.staleMs || this.stopped) continue;
          // No beat since this agent saw the run: within the grace, the peer may not have heard of it yet.
          if (verdict.ageMs > elapsed && elapsed < run.graceMs) continue;
          await this.onDead(run.query, peer, verdict.reason);
        }
      }
    } finally {
      this.checking = false;
    }
  }
}
