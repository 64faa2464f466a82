// What the dashboard knows of a run, derived from the journal alone (plus the public plan
// for the tree's shape): its state, counts, timings, and every tree node's state.

import { shortDigest } from '../agent/core/digest.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import type { AggregationPlan, PlanGroup, WebId } from '../query-vocab/types.ts';

// Statuses are labels the dashboard shows, read off the journal; the protocol's own state
// of a run is agent/core/state.ts's RunState.
export type RunStatus = 'running' | 'done' | 'aborted';
/** An aggregator's status at its group position. */
export type MemberStatus = 'waiting' | 'received' | 'sent' | 'failed' | 'replaced';
export type ContributorStatus = 'waiting' | 'consented' | 'refused' | 'sent' | 'failed';
export type QuerierStatus = 'waiting' | 'received' | 'done' | 'failed';

export interface RunSummary {
  /** Short stable id for URLs: a hash of the query document URL. */
  id: string;
  query: string;
  querier?: WebId;
  state: RunStatus;
  plan?: string;
  result?: string;
  startedAt: string;
  lastAt: string;
  events: number;
}

export interface RunTimings {
  startedAt: string;
  firstContributionAt?: string;
  lastContributionAt?: string;
  endedAt?: string;
  durationMs?: number;
}

export interface MemberNode {
  webId: WebId;
  position: number;
  state: MemberStatus;
  /** The backup that sent for this position instead. */
  replacedBy?: WebId;
}

export interface ContributorNode {
  webId: WebId;
  state: ContributorStatus;
  reason?: string;
}

export interface GroupNode {
  id: string;
  level: number;
  parent: string | null;
  members: MemberNode[];
  /** The zone's members, for leaf groups. */
  contributors: ContributorNode[];
}

export interface TreeView {
  querier: { webId: WebId; state: QuerierStatus };
  groups: GroupNode[];
  backups: WebId[];
}

export const runId = (query: string): string => shortDigest(query);

/** Journal events grouped by query, in journal order. */
export function eventsByRun(events: RunEvent[]): Map<string, RunEvent[]> {
  const runs = new Map<string, RunEvent[]>();
  for (const e of events) {
    if (!e.query) continue;
    const list = runs.get(e.query) ?? [];
    list.push(e);
    runs.set(e.query, list);
  }
  return runs;
}

export function summarize(query: string, events: RunEvent[]): RunSummary {
  const published = events.find((e) => e.kind === 'published');
  const withPlan = events.find((e) => e.plan);
  const result = events.find((e) => e.kind === 'result');
  const aborted = events.some((e) => e.kind === 'abort');
  return {
    id: runId(query),
    query,
    querier: published?.webId,
    state: result ? 'done' : aborted ? 'aborted' : 'running',
    plan: withPlan?.plan,
    result: result?.result,
    startedAt: events[0].at,
    lastAt: events[events.length - 1].at,
    events: events.length,
  };
}

export function timings(events: RunEvent[]): RunTimings {
  const contributions = events.filter((e) => e.kind === 'contributed');
  const end = events.find((e) => e.kind === 'result' || e.kind === 'abort');
  const startedAt = (events.find((e) => e.kind === 'published') ?? events[0]).at;
  return {
    startedAt,
    firstContributionAt: contributions[0]?.at,
    lastContributionAt: contributions[contributions.length - 1]?.at,
    endedAt: end?.at,
    durationMs: end ? Date.parse(end.at) - Date.parse(startedAt) : undefined,
  };
}

/** Messages that carry work up the tree (an Announcement does not). */
const WORK = new Set(['Contribution', 'Confirmation', 'PartialAggregate']);

export function buildTree(plan: AggregationPlan, querier: WebId, events: RunEvent[]): TreeView {
  const parentOf = new Map(plan.groups.map((g) => [g.id, g.parent]));
  const zoneOf = (group: string) => Object.entries(plan.zones).filter(([, g]) => g === group).map(([w]) => w);
  const result = events.some((e) => e.kind === 'result');
  const aborted = events.some((e) => e.kind === 'abort');
  const querierGot = events.some((e) => e.webId === querier && e.kind === 'received' && e.messageType === 'PartialAggregate');
  return {
    querier: { webId: querier, state: result ? 'done' : aborted ? 'failed' : querierGot ? 'received' : 'waiting' },
    groups: plan.groups.map((g) => ({
      id: g.id,
      level: g.level,
      parent: g.parent,
      members: g.members.map((webId, position) => memberNode(g, webId, position, events, parentOf)),
      contributors: zoneOf(g.id).map((webId) => contributorNode(webId, events)),
    })),
    backups: plan.backups,
  };
}

function memberNode(g: PlanGroup, webId: WebId, position: number, events: RunEvent[], parentOf: Map<string, string | null>): MemberNode {
  const senders = events
    .filter((e) => e.kind === 'sent' && e.messageType === 'PartialAggregate' && e.group === g.id && e.position === position)
    .map((e) => e.webId);
  const replacedBy = senders.find((s) => s !== webId);
  if (replacedBy) return { webId, position, state: 'replaced', replacedBy };
  if (senders.length > 0) return { webId, position, state: 'sent' };
  if (events.some((e) => e.kind === 'failed' && e.peer === webId)) return { webId, position, state: 'failed' };
  // A share for this group, a peer's confirmation, or a child group's partial aggregate.
  const received = events.some(
    (e) => e.kind === 'received' && e.webId === webId && WORK.has(e.messageType ?? '') &&
      e.group !== undefined && (e.group === g.id || parentOf.get(e.group) === g.id),
  );
  return { webId, position, state: received ? 'received' : 'waiting' };
}

function contributorNode(webId: WebId, events: RunEvent[]): ContributorNode {
  const own = events.filter((e) => e.webId === webId);
  const consent = own.find((e) => e.kind === 'consent');
  if (own.some((e) => e.kind === 'contributed')) return { webId, state: 'sent' };
  if (consent?.accepted === false) return { webId, state: 'refused', reason: consent.reason };
  if (events.some((e) => e.kind === 'failed' && e.peer === webId)) return { webId, state: 'failed' };
  return { webId, state: consent?.accepted ? 'consented' : 'waiting' };
}
