// The keys of a run. The querier pins, in the plan, the current public keys and the inbox
// of every participant when it publishes, from the population it read; every agent then
// seals to, verifies with and posts to those, and opens and signs with its own pinned
// pair, however late it joins the run. So a rotation during a run changes nothing for the
// run, and no agent but the querier reads the population: each checks only the pins of
// the few peers it may write to (core/recipients.ts) against their profiles, which its
// peer cache keeps across queries.

import type { AggregationPlan, AggregationQuery, PinnedPeer, Registration, WebId } from '../../query-vocab/index.ts';
import { recipients } from '../core/recipients.ts';
import { topology } from '../core/topology.ts';
import { ownsKeys } from './peer.ts';
import type { PeerCache, Snapshot } from './population.ts';

/** The participants' current keys and inboxes, to pin in a new plan: members from their registration, others (the querier) from their profile. */
export async function pinRunKeys(participants: WebId[], snapshot: Snapshot, peers: PeerCache): Promise<Record<WebId, PinnedPeer>> {
  const pins = await Promise.all(participants.map(async (w) => {
    const { x25519, ed25519, inbox } = snapshot.members.get(w) ?? (await peers.peer(w));
    return [w, { x25519, ed25519, inbox }] as const;
  }));
  return Object.fromEntries(pins);
}

/**
 * The run's directory: every participant's pinned keys and inbox. Those of the peers
 * `self` writes to are checked first to be the WebID's own (keys current, or retired and
 * not yet expired, in its profile; the same inbox), so nothing is sealed to a key the
 * querier slipped in. Admission refuses a message from anyone outside the plan. A
 * contributor's leaf backups are checked later (leafBackupPins), unless `leafBackups`.
 */
export async function runDirectory(query: AggregationQuery, plan: AggregationPlan, self: WebId, peers: PeerCache, o = { leafBackups: false }): Promise<Map<WebId, Registration>> {
  const pins = plan.runKeys;
  if (!pins) throw new Error(`plan ${plan.id} pins no run keys: publish the query again`);
  const participants = [...new Set([...Object.keys(plan.zones), query.querier])];
  const missing = participants.find((w) => !pins[w]);
  if (missing) throw new Error(`plan ${plan.id} pins no keys for ${missing}`);
  await Promise.all([...recipients(topology(plan), query.querier, self, o)].map((w) => checkPin(plan, w, peers)));
  return new Map(participants.map((w) => [w, { webId: w, ...pins[w] }]));
}

/**
 * The contributor's leaf backups, checked once a leaf member failed and before the run
 * may seal to one: each whose pin is false, or whose profile cannot be read, with why.
 * The run takes those for failed too, so it moves on to the next candidate.
 */
export async function leafBackupPins(query: AggregationQuery, plan: AggregationPlan, self: WebId, peers: PeerCache): Promise<Array<{ webId: WebId; reason: string }>> {
  const topo = topology(plan);
  const checked = recipients(topo, query.querier, self, { leafBackups: false });
  const backups = [...recipients(topo, query.querier, self, { leafBackups: true })].filter((w) => !checked.has(w));
  const refused = await Promise.all(backups.map((w) => checkPin(plan, w, peers).then(() => null, (error: Error) => ({ webId: w, reason: error.message }))));
  return refused.filter((r) => r !== null);
}

async function checkPin(plan: AggregationPlan, w: WebId, peers: PeerCache): Promise<void> {
  const pin = plan.runKeys?.[w];
  if (!pin) throw new Error(`plan ${plan.id} pins no keys for ${w}`);
  const peer = await peers.owning(w, pin);
  if (!ownsKeys(peer, pin)) throw new Error(`plan ${plan.id} pins keys for ${w} that its profile does not list (or that expired)`);
  if (peer.inbox !== pin.inbox) throw new Error(`plan ${plan.id} pins the inbox ${pin.inbox} for ${w}, whose profile names ${peer.inbox}`);
}
