// The keys of a run. The querier pins, in the plan's key sheets, the current public keys
// and the inbox of every participant when it publishes, from the population it read; every agent then
// seals to, verifies with and posts to those, and opens and signs with its own pinned
// pair, however late it joins the run. So a rotation during a run changes nothing for the
// run, and no agent but the querier reads the population: each checks only the pins of
// the few peers it may write to (core/recipients.ts) against their profiles, which its
// peer cache keeps across queries.

import { documentOf, parseKeySheet } from '../../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, KeySheet, PinnedPeer, Registration, WebId } from '../../query-vocab/index.ts';
import { allSheets, sheetDigest, sheetMembers, sheetsFor } from '../core/key-sheets.ts';
import { recipients } from '../core/recipients.ts';
import { topology } from '../core/topology.ts';
import { getTurtle, type Fetch } from './pod.ts';
import { ownsKeys, samePublicKeys } from './peer.ts';
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
 * Splits the pins into the plan's key sheets, at `${plan}-keys-${group}` and
 * `${plan}-zone-${group}`: the plan keeps only the querier's, and links each sheet with its digest.
 */
export function keySheets(plan: AggregationPlan, querier: WebId, pins: Record<WebId, PinnedPeer>): KeySheet[] {
  const topo = topology(plan);
  const sheets = allSheets(topo).map((scope): KeySheet => ({
    ...scope,
    id: `${documentOf(plan.id)}-${scope.kind === 'zone' ? 'zone' : 'keys'}-${scope.group}`,
    plan: plan.id,
    runKeys: Object.fromEntries(sheetMembers(topo, scope).map((w) => [w, pins[w]])),
  }));
  plan.runKeys = { [querier]: pins[querier] };
  plan.keySheets = sheets.map((k) => ({ kind: k.kind, group: k.group, sheet: k.id, sha256: sheetDigest(k.runKeys) }));
  return sheets;
}

/**
 * The pins `self` needs: the querier's, from the plan, and those of the sheets its roles
 * need (core/key-sheets.ts), each checked to be the plan's (its digest) and to pin every
 * WebID it should. `fetch` is anonymous: the sheets are public, next to the plan.
 */
export async function loadPins(fetch: Fetch, query: AggregationQuery, plan: AggregationPlan, self: WebId): Promise<Record<WebId, PinnedPeer>> {
  const querier = plan.runKeys?.[query.querier];
  if (!querier || !plan.keySheets) throw new Error(`plan ${plan.id} pins no run keys: publish the query again`);
  const topo = topology(plan);
  const pins: Record<WebId, PinnedPeer> = { [query.querier]: querier };
  await Promise.all(sheetsFor(topo, query.querier, self).map(async (scope) => {
    const what = `the key sheet of ${scope.kind} ${scope.group}`;
    const ref = plan.keySheets!.find((k) => k.kind === scope.kind && k.group === scope.group);
    if (!ref) throw new Error(`plan ${plan.id} links no ${what}`);
    const url = documentOf(ref.sheet);
    const sheet = parseKeySheet(await getTurtle(fetch, url), url);
    if (sheet.id !== ref.sheet || sheet.plan !== plan.id || sheet.kind !== scope.kind || sheet.group !== scope.group) throw new Error(`key sheet ${ref.sheet} is not ${what} in plan ${plan.id}`);
    if (sheetDigest(sheet.runKeys) !== ref.sha256) throw new Error(`key sheet ${ref.sheet} does not match the digest the plan gives it`);
    for (const w of sheetMembers(topo, scope)) {
      const pin = sheet.runKeys[w];
      if (!pin) throw new Error(`key sheet ${ref.sheet} pins no keys for ${w}`);
      const other = pins[w];
      if (other && !(samePublicKeys(other, pin) && other.inbox === pin.inbox)) {
        throw new Error(`key sheet ${ref.sheet} pins other keys for ${w} than another sheet of plan ${plan.id}`);
      }
      pins[w] = pin;
    }
  }));
  if (!pins[self]) throw new Error(`${self} has no part in plan ${plan.id}`);
  return pins;
}

/**
 * The run's directory: the pinned keys and inbox of every participant `self` may hear from
 * or write to, from the plan and the key sheets its roles need. Those of the peers `self`
 * writes to are checked first to be the WebID's own (keys current, or retired and not yet
 * expired, in its profile; the same inbox), so nothing is sealed to a key the querier
 * slipped in. Admission refuses a message from anyone outside it. A contributor's leaf
 * backups are checked later (leafBackupPins), unless `leafBackups`.
 */
export async function runDirectory(query: AggregationQuery, plan: AggregationPlan, pins: Record<WebId, PinnedPeer>, self: WebId, peers: PeerCache, o = { leafBackups: false }): Promise<Map<WebId, Registration>> {
  const directory = new Map(Object.entries(pins).map(([w, pin]) => [w, { webId: w, ...pin }]));
  await Promise.all([...recipients(topology(plan), query.querier, self, o)].map((w) => checkPin(plan, directory, w, peers)));
  return directory;
}

/**
 * The contributor's leaf backups, checked once a leaf member failed and before the run
 * may seal to one: each whose pin is false, or whose profile cannot be read, with why.
 * The run takes those for failed too, so it moves on to the next candidate.
 */
export async function leafBackupPins(query: AggregationQuery, plan: AggregationPlan, directory: ReadonlyMap<WebId, Registration>, self: WebId, peers: PeerCache): Promise<Array<{ webId: WebId; reason: string }>> {
  const topo = topology(plan);
  const checked = recipients(topo, query.querier, self, { leafBackups: false });
  const backups = [...recipients(topo, query.querier, self, { leafBackups: true })].filter((w) => !checked.has(w));
  const refused = await Promise.all(backups.map((w) => checkPin(plan, directory, w, peers).then(() => null, (error: Error) => ({ webId: w, reason: error.message }))));
  return refused.filter((r) => r !== null);
}

async function checkPin(plan: AggregationPlan, directory: ReadonlyMap<WebId, Registration>, w: WebId, peers: PeerCache): Promise<void> {
  const pin = directory.get(w);
  if (!pin) throw new Error(`plan ${plan.id} pins no keys for ${w}`);
  const peer = await peers.owning(w, pin);
  if (!ownsKeys(peer, pin)) throw new Error(`plan ${plan.id} pins keys for ${w} that its profile does not list (or that expired)`);
  if (peer.inbox !== pin.inbox) throw new Error(`plan ${plan.id} pins the inbox ${pin.inbox} for ${w}, whose profile names ${peer.inbox}`);
}
