// The keys of a run. The querier pins, in the plan, the current public keys of every
// participant when it publishes; every agent then seals to and verifies with those, and
// opens and signs with its own pinned pair, however late it joins the run. So a rotation
// during a run changes nothing for the run: agents that joined before it and agents that
// joined after it agree on every key, and the rotated agent still holds its retired pair.

import type { AggregationPlan, AggregationQuery, PublicKeys, Registration, WebId } from '../../query-vocab/index.ts';
import { ownsKeys } from './peer.ts';
import type { PeerCache, Snapshot } from './population.ts';

/** The participants' current keys, to pin in a new plan. */
export async function pinRunKeys(participants: WebId[], peers: PeerCache): Promise<Record<WebId, PublicKeys>> {
  const pins = await Promise.all(participants.map(async (w) => {
    const { x25519, ed25519 } = await peers.peer(w);
    return [w, { x25519, ed25519 }] as const;
  }));
  return Object.fromEntries(pins);
}

/**
 * The run's directory: for the zoned members and the querier, the pinned keys, each
 * checked to be the WebID's own (current, or retired and not yet expired, in its profile).
 */
export async function runDirectory(query: AggregationQuery, plan: AggregationPlan, snapshot: Snapshot, peers: PeerCache): Promise<Map<WebId, Registration>> {
  const pins = plan.runKeys;
  if (!pins) throw new Error(`plan ${plan.id} pins no run keys: publish the query again`);
  const participants = [...new Set([...Object.keys(plan.zones), query.querier])];
  const entries = await Promise.all(participants.map(async (w) => {
    const keys = pins[w];
    if (!keys) throw new Error(`plan ${plan.id} pins no keys for ${w}`);
    const peer = await peers.owning(w, keys);
    if (!ownsKeys(peer, keys)) throw new Error(`plan ${plan.id} pins keys for ${w} that its profile does not list (or that expired)`);
    return [w, { webId: w, inbox: snapshot.members.get(w)?.inbox ?? peer.inbox, ...keys }] as const;
  }));
  return new Map(entries);
}
