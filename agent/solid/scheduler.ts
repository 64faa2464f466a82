// The agent's protocol time: one clock and the timers measured on it, injected together so
// that a test can skew an agent's clock or drive its deadlines by hand. Liveness
// (heartbeats, presence) is not on it: it is judged by the pod server's own clock.

export type Cancel = () => void;

export interface Scheduler {
  now(): number;
  /** Runs `task` once `ms` have passed on this clock; `label` names the timer (query and timer name). */
  after(ms: number, task: () => void, label: string): Cancel;
}

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, task) {
    const timer = setTimeout(task, ms);
    return () => clearTimeout(timer);
  },
};
