// A scheduler for tests whose subject is not a timeout: its clock is the system's and its
// timers fire on real time, but a test may fire chosen timers at once, when the event
// they wait for has happened (e.g. a leaf's collect deadline once its whole zone has
// answered). Nothing else is changed: a test whose event never comes sees the protocol's
// own deadlines, so a lost share still shows as a smaller result, never as a hang.

import type { Cancel, Scheduler } from '../../agent/solid/scheduler.ts';

interface Pending {
  label: string;
  task: () => void;
  timeout: NodeJS.Timeout;
}

export class DrivenClock implements Scheduler {
  private readonly pending = new Set<Pending>();

  now(): number {
    return Date.now();
  }

  after(ms: number, task: () => void, label: string): Cancel {
    const entry: Pending = { label, task, timeout: setTimeout(() => this.run(entry), ms) };
    this.pending.add(entry);
    return () => {
      clearTimeout(entry.timeout);
      this.pending.delete(entry);
    };
  }

  /** The same timers read on a clock `offset()` ms off this one (a misset machine clock). */
  skewed(offset: () => number): Scheduler {
    return { now: () => this.now() + offset(), after: (ms, task, label) => this.after(ms, task, label) };
  }

  /** Fires now every pending timer whose label `select` picks; returns how many. */
  fire(select: (label: string) => boolean): number {
    const chosen = [...this.pending].filter((p) => select(p.label));
    for (const entry of chosen) {
      clearTimeout(entry.timeout);
      this.run(entry);
    }
    return chosen.length;
  }

  private run(entry: Pending): void {
    if (!this.pending.delete(entry)) return;
    entry.task();
  }
}
