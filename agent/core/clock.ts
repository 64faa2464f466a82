// What the protocol assumes of clocks. Agents' clocks are not synchronised, only bounded
// apart. Every deadline of a run counts from one instant, the plan's start (the querier's
// clock at publication): an agent that hears of the run late does not push the run's end
// out, and an offset between two clocks moves a deadline by no more than the bound.
// Another agent's clock is read in three places only: the plan's start; a message's signed
// send time (sentAt), refused when it lies beyond the bound in the receiver's future
// (delivery only makes a message older, so only a clock running ahead puts it there); and
// confirmations, ordered by send time only between messages of the same sender, and by
// backup rank between the holders of one position.

import type { AggregationPlan, Message, WebId } from '../../query-vocab/types.ts';
import { candidates } from './backup.ts';
import { ProtocolError } from './errors.ts';
import type { Topology } from './topology.ts';

/**
 * Two agents' clocks may differ by at most this much (NTP keeps machines well within it). A
 * deadline moves by as much as the skew, so every wait of a run must be longer: over Solid
 * the floors are 25 s to collect and 10 + 10 s per level (publish.ts SOLID_MIN_TIMEOUTS).
 */
export const MAX_CLOCK_SKEW_MS = 15_000;

/**
 * When this agent's run starts: the plan's start, but never beyond the bound in our future
 * (a plan dated later could hold every member for as long as it likes); this agent's own
 * start for a plan without one.
 */
export function runStart(plan: AggregationPlan, now: number): number {
  if (plan.startsAt === undefined) return now;
  return Math.min(Date.parse(plan.startsAt), now + MAX_CLOCK_SKEW_MS);
}

export function checkClock(now: number, m: Message): void {
  const ahead = Date.parse(m.sentAt) - now;
  if (ahead > MAX_CLOCK_SKEW_MS) {
    throw new ProtocolError('clock-skew', `${m.type} from ${m.sender} is dated ${m.sentAt}, ${Math.round(ahead / 1000)} s ahead of our clock (bound ${MAX_CLOCK_SKEW_MS / 1000} s): one of the two clocks is wrong`);
  }
}

export interface SentBy {
  from: WebId;
  sentAt: string;
}

/** Whether confirmation `next` for (group, position) supersedes `prev`, without comparing two agents' clocks. */
export function supersedes(topo: Topology, group: string, position: number, prev: SentBy, next: SentBy): boolean {
  if (prev.from === next.from) return prev.sentAt < next.sentAt;
  // A later candidate (a backup) took the position over from an earlier one.
  const chain = candidates(topo, group, position);
  return chain.indexOf(next.from) > chain.indexOf(prev.from);
}
