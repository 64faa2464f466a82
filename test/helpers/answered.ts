// For tests whose subject is not a timeout: a leaf closes its collection at once when
// every member of every zone of the query has answered (contributed, with each of its
// shares received at every position, or declined), instead of sitting out its collect
// window because refusals send nothing. The agents run on a DrivenClock; this fires
// their leaf 'ready' timers, exactly what the deadline would do, only sooner.

import { documentOf, parsePlan, type AggregationPlan } from '../../query-vocab/index.ts';
import type { EventLog, RunEvent } from '../../agent/solid/events.ts';
import { getTurtle } from '../../agent/solid/pod.ts';
import type { Scheduler } from '../../agent/solid/scheduler.ts';
import { startDemo, type Demo, type DemoOptions } from '../../demo/demo.ts';
import { DrivenClock } from './driven-clock.ts';

interface Tracked {
  plan: AggregationPlan | null;
  events: RunEvent[];
  closed: boolean;
}

/** Starts watching the journal; returns the function that stops it. */
export function closeLeavesWhenAnswered(journal: EventLog, clock: DrivenClock): () => void {
  const queries = new Map<string, Tracked>();
  const check = (query: string, t: Tracked) => {
    if (t.closed || !t.plan || !answered(t.plan, t.events)) return;
    t.closed = true;
    const leaves = new Set(Object.values(t.plan.zones));
    clock.fire((label) => {
      const [q, timer] = label.split(' ');
      const [kind, group] = timer.split('|');
      return q === query && kind === 'ready' && leaves.has(group);
    });
  };
  const listener = (e: RunEvent) => {
    if (e.kind === 'published' && e.plan && !queries.has(e.query)) {
      const t: Tracked = { plan: null, events: [], closed: false };
      queries.set(e.query, t);
      // A plan that cannot be read leaves nothing to close: the run reports its own end.
      const url = documentOf(e.plan);
      void getTurtle(globalThis.fetch, url).then((turtle) => {
        t.plan = parsePlan(turtle, url);
        check(e.query, t);
      }, () => undefined);
      return;
    }
    const t = queries.get(e.query);
    if (!t || t.closed) return;
    t.events.push(e);
    check(e.query, t);
  };
  journal.on('event', listener);
  return () => journal.off('event', listener);
}

function answered(plan: AggregationPlan, events: RunEvent[]): boolean {
  const contributed = new Set<string>();
  const declined = new Set<string>();
  const received = new Map<string, Set<number>>();
  for (const e of events) {
    if (e.kind === 'contributed') contributed.add(e.webId);
    if (e.kind === 'log' && e.text.startsWith('contributor: declined')) declined.add(e.webId);
    if (e.kind === 'received' && e.messageType === 'Contribution' && e.peer && e.position !== undefined) {
      const positions = received.get(e.peer) ?? new Set<number>();
      positions.add(e.position);
      received.set(e.peer, positions);
    }
  }
  const k = plan.params.groupSize;
  return Object.keys(plan.zones).every((w) => declined.has(w) || (contributed.has(w) && (received.get(w)?.size ?? 0) === k));
}

/**
 * A collect window for demos whose leaves close when answered: it only has to be longer
 * than any zone takes to answer, so that no real deadline comes first (a lost share then
 * shows as a wrong result after this long, never as a hang).
 */
export const ANSWERED_COLLECT_MS = 90_000;

/**
 * A demo whose agents run on `clock` (each through `schedulerOf`, e.g. a skewed view of
 * it), its leaves closed as soon as their zones answered.
 */
export async function startAnsweredDemo(options: DemoOptions, clock = new DrivenClock(), schedulerOf: (webId: string) => Scheduler = () => clock): Promise<Demo> {
  const demo = await startDemo({ ...options, agents: { ...options.agents, schedulerOf } });
  const unwatch = closeLeavesWhenAnswered(demo.host.journal, clock);
  return {
    ...demo,
    stop: async () => {
      unwatch();
      await demo.stop();
    },
  };
}
