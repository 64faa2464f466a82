// Whom a run depends on right now, for a transport's failure detector. The simulator
// knows when a node dies; over Solid a dead agent's pod still accepts posts, so the
// transport watches these peers (their presence documents) and feeds 'peerFailed' for
// those gone. Watching only the holders and zone members the run still waits on keeps the
// cost to a few peers per agent.

import type { WebId } from '../../query-vocab/types.ts';
import { hasAbstained } from './aggregator.ts';
import { candidateGroups } from './backup.ts';
import { sheetMembers } from './key-sheets.ts';
import type { Env } from './runtime.ts';
import { querierAfterMs, replacesAt } from './strategy.ts';
import { isLeaf, type Topology } from './topology.ts';
import { entryKey } from './version.ts';

/** When the run is over for everyone: the querier's deadline, from this agent's start. */
export function runEndsAt(env: Env): number {
  return (env.state.startedAt ?? env.now()) + querierAfterMs(env.params);
}

/** Whether `w` holds, or may take over, a position, or is the querier: others depend on it, so it beats all run long. */
export function isDependedOn(env: Env, w: WebId = env.self): boolean {
  return env.topo.slotsOf.has(w) || env.topo.backups.has(w) || env.ctx.query.querier === w;
}

const beating = new WeakMap<Topology, Map<string, WebId[]>>();

/** The members of a leaf's zone that others depend on (a few of thousands), once per plan. */
function beatingZone(env: Env, leaf: string): WebId[] {
  let byLeaf = beating.get(env.topo);
  if (!byLeaf) beating.set(env.topo, (byLeaf = new Map()));
  let list = byLeaf.get(leaf);
  if (!list) byLeaf.set(leaf, (list = (env.topo.zones.get(leaf) ?? []).filter((w) => isDependedOn(env, w))));
  return list;
}

// A peer's confirmed entries are replaced, never changed: the children they name, once.
const childSets = new WeakMap<string[], Set<string>>();

function childrenOf(entries: string[]): Set<string> {
  let set = childSets.get(entries);
  if (!set) childSets.set(entries, (set = new Set(entries.map(entryKey))));
  return set;
}

// No closures below: a simulator asks this after the events of every run near a dead
// peer, and the TypeScript loader names each closure it creates (a property definition per call).
function addHolder(env: Env, out: Set<WebId>, group: string, position: number): void {
  const w = env.holder({ group, position });
  if (w) out.add(w);
}

function addGroup(env: Env, out: Set<WebId>, group: string, except: number): void {
  for (let p = 0; p < env.params.groupSize; p++) if (p !== except) addHolder(env, out, group, p);
}

export function watched(env: Env): WebId[] {
  const out = new Set<WebId>();
  const now = env.now();
  if (now > runEndsAt(env)) return [];
  // A contributor re-sends its answer to the backup of a leaf member that died: a leaf
  // backup takes the position over at any time in the run (its peers watch each other
  // throughout), and sums afresh from what it receives. Where leaves are not replaced
  // there is no one to re-send to.
  const c = env.state.contributor;
  if (c && replacesAt(env.strategy, true)) addGroup(env, out, c.leaf, -1);
  for (const key in env.state.slots) {
    const slot = env.state.slots[key];
    if (slot.phase === 'aborted') continue;
    const g = env.topo.groups.get(slot.group);
    if (!g) continue;
    if (slot.phase !== 'emitted' || env.strategy.standby === 'stay') addGroup(env, out, slot.group, slot.position);
    if (g.parent !== null) addHolder(env, out, g.parent, slot.position);
    // A child that no backup replaces ends the wait for it once found dead (under full
    // propagation the slot gives up), rather than at the deadline.
    // A slot that stays settles once each peer's confirmation holds every child of ours it
    // can still receive: a child a peer lacks is awaited until its holder at that peer's
    // position is found dead (aggregator.ts settled), so that holder is watched too.
    if (!slot.leaf && env.strategy.standby === 'stay') {
      for (const p in slot.peers) {
        const has = childrenOf(slot.peers[p].entries);
        for (const child in slot.inputs) if (slot.inputs[child].included > 0 && !has.has(child)) addHolder(env, out, child, Number(p));
      }
    }
    if (slot.phase === 'collecting') {
      // Likewise a zone member that has not answered, where it beats: a dead one counts as
      // answered. One that only contributes keeps no presence, so its death costs the deadline.
      if (slot.leaf) {
        for (const w of beatingZone(env, slot.group)) {
          if (slot.inputs[w] === undefined && !hasAbstained(slot, w) && !env.isFailed(w)) out.add(w);
        }
      }
      for (const child of env.topo.children.get(slot.group) ?? []) {
        if (!replacesAt(env.strategy, isLeaf(env.topo, child))) addHolder(env, out, child, slot.position);
      }
    }
  }
  if (env.state.querier?.outcome === 'pending') addGroup(env, out, env.topo.root.id, -1);
  out.delete(env.self);
  return [...out];
}

/** Every candidate of the group's positions: what its key sheet pins. */
function addCandidates(topo: Topology, out: Set<WebId>, group: string): void {
  for (const w of sheetMembers(topo, { kind: 'group', group })) out.add(w);
}

/**
 * Everyone whose run may name `x` in watched(), whatever its state: the candidates of the
 * groups `x` may hold and of their parents and children, a leaf's zone, the querier of a
 * root, and a zone member's leaf. A simulator finding who may react to a death asks these
 * alone, instead of every run after every event.
 */
export function mayWatch(topo: Topology, querier: WebId, x: WebId): Set<WebId> {
  const out = new Set<WebId>();
  for (const group of candidateGroups(topo, x)) {
    addCandidates(topo, out, group);
    const parent = topo.groups.get(group)?.parent;
    if (parent === null) out.add(querier);
    else if (parent !== undefined) addCandidates(topo, out, parent);
    for (const child of topo.children.get(group) ?? []) addCandidates(topo, out, child);
    for (const w of isLeaf(topo, group) ? (topo.zones.get(group) ?? []) : []) out.add(w);
  }
  const leaf = topo.plan.zones[x];
  if (leaf !== undefined) addCandidates(topo, out, leaf);
  out.delete(x);
  return out;
}
