// Requests as the servers saw them (solid-server/request-log.ts), sorted into what a
// deployment pays for, and attributed to the agent that named itself on each
// (agent/solid/tagged-fetch.ts), so a run's cost can be read per contributor, per
// aggregator and for the querier.

import type { AggregationPlan } from '../query-vocab/index.ts';
import type { LoggedRequest } from '../solid-server/request-log.ts';

export const KINDS = [
  'message POST', 'message GET', 'message DELETE', 'inbox listing', 'announcement', 'notification', 'profile', 'registration', 'query/plan',
  'presence write', 'presence check', 'consent', 'own data', 'result', 'auth', 'other',
] as const;
export type Kind = (typeof KINDS)[number];

export function kindOf(r: LoggedRequest): Kind {
  const path = new URL(r.url).pathname;
  const has = (part: string) => path.includes(part);
  if (has('/podagg/inbox/')) {
    if (r.method === 'POST') return 'message POST';
    if (r.method === 'DELETE') return 'message DELETE';
    return path.endsWith('/podagg/inbox/') ? 'inbox listing' : 'message GET';
  }
  if (has('/.notifications/')) return 'notification';
  // The WebID document, and the extended profile it links (podagg's keys and inbox).
  if (has('/profile/') || path.endsWith('/podagg/profile')) return 'profile';
  // A population's announcements container, its listing and each announcement.
  if (has('/announcements/')) return 'announcement';
  if (has('/podagg/population')) return 'registration';
  if (has('/podagg/queries/')) return 'query/plan';
  if (has('/podagg/presence')) return r.method === 'PUT' || path.endsWith('.acl') ? 'presence write' : 'presence check';
  if (has('/podagg/consent/')) return 'consent';
  if (has('/data/')) return 'own data';
  if (has('/podagg/results/')) return 'result';
  if (has('/.oidc/') || has('/.account/') || has('/.well-known/')) return 'auth';
  return 'other';
}

export type Role = 'querier' | 'aggregator' | 'contributor' | 'other';

/** An agent's role in a plan: aggregators and backups count as aggregators, zoned members that are neither as contributors. */
export function roleOf(plan: AggregationPlan, querier: string, webId: string): Role {
  if (webId === querier) return 'querier';
  if (plan.groups.some((g) => g.members.includes(webId)) || plan.backups.includes(webId)) return 'aggregator';
  return webId in plan.zones ? 'contributor' : 'other';
}

export type Counts = Record<Kind, number>;

const zero = (): Counts => Object.fromEntries(KINDS.map((k) => [k, 0])) as Counts;

/** Mean requests by kind per agent of each role, over the requests logged in [from, to]. */
export function perRole(log: LoggedRequest[], from: number, to: number, plan: AggregationPlan, querier: string): Record<Role, { agents: number; counts: Counts }> {
  const byAgent = new Map<string, Counts>();
  for (const r of log) {
    if (r.at < from || r.at > to || !r.agent) continue;
    const counts = byAgent.get(r.agent) ?? zero();
    counts[kindOf(r)]++;
    byAgent.set(r.agent, counts);
  }
  const roles: Role[] = ['querier', 'aggregator', 'contributor', 'other'];
  const out = Object.fromEntries(roles.map((role) => [role, { agents: 0, counts: zero() }])) as Record<Role, { agents: number; counts: Counts }>;
  const everyone = new Set([querier, ...Object.keys(plan.zones), ...plan.backups, ...plan.groups.flatMap((g) => g.members)]);
  for (const w of everyone) {
    const slot = out[roleOf(plan, querier, w)];
    slot.agents++;
    const counts = byAgent.get(w) ?? zero();
    for (const k of KINDS) slot.counts[k] += counts[k];
  }
  for (const role of roles) {
    const slot = out[role];
    if (slot.agents > 0) for (const k of KINDS) slot.counts[k] /= slot.agents;
  }
  return out;
}

export const total = (c: Counts): number => KINDS.reduce((n, k) => n + c[k], 0);
