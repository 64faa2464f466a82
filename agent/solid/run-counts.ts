// How many of each journal step a run's events record: what `podagg query status`, the
// progress line of `podagg query publish` and the dashboard show.

import type { RunEvent } from './events.ts';

export interface RunCounts {
  announced: number;
  accepted: number;
  refused: number;
  contributed: number;
  sent: number;
  received: number;
  rejected: number;
  failed: number;
}

export function countEvents(events: RunEvent[]): RunCounts {
  const count = (test: (e: RunEvent) => boolean) => events.filter(test).length;
  return {
    announced: new Set(events.filter((e) => e.kind === 'announced').map((e) => e.webId)).size,
    accepted: count((e) => e.kind === 'consent' && e.accepted === true),
    refused: count((e) => e.kind === 'consent' && e.accepted === false),
    contributed: count((e) => e.kind === 'contributed'),
    sent: count((e) => e.kind === 'sent'),
    received: count((e) => e.kind === 'received'),
    rejected: count((e) => e.kind === 'rejected'),
    failed: count((e) => e.kind === 'failed'),
  };
}
