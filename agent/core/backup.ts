// Which backup takes over which position. Every slot (group, position) has a fixed chain
// of candidates: the planned member, then BACKUP_CHAIN backups picked from the plan's
// backup list by the slot's index. The holder of a slot is the first candidate not known
// to have failed, so every agent that learns of the same failures agrees on the holder
// without talking. Consecutive positions of one group get distinct backups (when there
// are at least k of them), so one backup never sees two shares of the same group.

import type { WebId } from '../../query-vocab/types.ts';
import type { Slot, Topology } from './topology.ts';

export const BACKUP_CHAIN = 3;

export function candidates(topo: Topology, group: string, position: number): WebId[] {
  const g = topo.groups.get(group);
  if (!g || position < 0 || position >= g.members.length) return [];
  const backups = topo.plan.backups;
  const out = [g.members[position]];
  if (backups.length === 0) return out;
  const k = g.members.length;
  const slot = (topo.order.get(group) ?? 0) * k + position;
  for (let m = 0; m < Math.min(BACKUP_CHAIN, backups.length); m++) {
    const b = backups[(slot + m * k * topo.plan.groups.length) % backups.length];
    if (!out.includes(b)) out.push(b);
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
  return i >= 0 && chain.slice(0, i).every(failed);
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
