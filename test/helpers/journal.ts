// Waiting in a test for a step of a run: the first journal event matching `pred`, among
// those already seen or those still to come, or an error naming what never came.

import type { EventLog, RunEvent } from '../../agent/solid/events.ts';

export function waitForEvent(journal: EventLog, seen: RunEvent[], pred: (e: RunEvent) => boolean, ms: number, what: string): Promise<RunEvent> {
  const hit = seen.find(pred);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    const listener = (e: RunEvent) => {
      if (!pred(e)) return;
      off();
      resolve(e);
    };
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = () => {
      clearTimeout(timer);
      journal.off('event', listener);
    };
    journal.on('event', listener);
  });
}
