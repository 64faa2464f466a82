// Which backup takes over which position. Every slot (group, position) has a fixed chain
// of candidates: the planned member, then up to BACKUP_CHAIN backups from the plan's
// backup list. The holder of a slot is the first candidate not known to have failed, so
// every agent that learns of the same failures agrees on the holder without talking. The
// chains of one group's positions never share a backup: an agent holding two positions
// would see two shares of every contributor of the group (all k of them, after enough
// failures), so a group gets fewer backups per position rather than shared ones.

import type { WebId } from '../../query-vocab/types.ts';
import type { Slot, Topology } from './topology.ts';

export const BACKUP_CHAIN = 3;

const chains = new WeakMap<Topology, Map<string, WebId[][]>>();

/** The candidate chain of (group, position), built once per plan: every role asks at every event. Do not mutate. */
export function candidates(topo: Topology, group: string, position: number): WebId[] {
  let byGroup = chains.get(topo);
  if (!byGroup) chains.set(topo, (byGroup = new Map()));
  let chainsOf = byGroup.get(group);
  if (!chainsOf) {
    const g = topo.groups.get(group);
    if (!g) return [];
    chainsOf = g.members.map((_, p) => chain(topo, group, g.members, p));
    byGroup.set(group, chainsOf);
  }
  return chainsOf[position] ?? [];
}

function chain(topo: Topology, group: string, members: WebId[], position: number): WebId[] {
  const backups = topo.plan.backups;
  const k = members.length;
  const offset = (topo.order.get(group) ?? 0) * k;
  const out = [members[position]];
  // Position p takes backups p, p + k, p + 2k, … after the group's offset: distinct within the group.
  for (let m = 0; m < BACKUP_CHAIN && position + m * k < backups.length; m++) {
    out.push(backups[(offset + position + m * k) % backups.length]);
  }
  return out;
}

/** The current holder, or null when every candidate failed (or replacement is off). */
export function holderOf(topo: Topology, slot: Slot, failed: (w: WebId) => boolean, replace: boolean): WebId | null {
  const chain = candidates(topo, slot.group, slot.position);
  const upto = replace ? chain.length : 1;
  for (let i = 0; i < upto; i++) if (!failed(chain[i])) return chain[i];
  return null;
}

/** Whether `w` held the slot just before it failed: every earlier candidate had failed. */
export function heldBefore(topo: Topology, slot: Slot, w: WebId, failed: (w: WebId) => boolean): boolean {
  const chain = candidates(topo, slot.group, slot.position);
  const i = chain.indexOf(w);
  if (i < 0) return false;
  for (let j = 0; j < i; j++) if (!failed(chain[j])) return false;
  return true;
}

/** Positions of `group` for which `w` is a candidate (planned or backup), with its rank. */
export function candidacies(topo: Topology, group: string, w: WebId): Array<{ position: number; rank: number }> {
  const g = topo.groups.get(group);
  if (!g) return [];
  const out: Array<{ position: number; rank: number }> = [];
  for (let p = 0; p < g.members.length; p++) {
    const rank = candidates(topo, group, p).indexOf(w);
    if (rank >= 0) out.push({ position: p, rank });
  }
  return out;
}

const groupsByCandidate = new WeakMap<Topology, Map<WebId, string[]>>();

/** The groups `w` is a candidate of (planned or backup), in plan order: candidacies' inverse, indexed once per plan. */
export function candidateGroups(topo: Topology, w: WebId): string[] {
  let index = groupsByCandidate.get(topo);
  if (!index) {
    index = new Map();
    for (const g of topo.plan.groups) {
      for (let p = 0; p < g.members.length; p++) {
        for (const c of candidates(topo, g.id, p)) {
          let list = index.get(c);
          if (!list) index.set(c, (list = []));
          if (list[list.length - 1] !== g.id) list.push(g.id);
        }
      }
    }
    groupsByCandidate.set(topo, index);
  }
  return index.get(w) ?? [];
}
