// Whom an agent may exchange messages with in a run: the querier, every candidate of the
// leaf group it answers, and, for each position it may hold (planned or as a backup), the
// group's candidates (confirmations), the same position of the parent and child groups
// (sums) and, at a leaf, its zone (shares). Admission refuses a message from anyone else,
// so these are the only peers whose pinned keys an agent must check against their
// profiles: a handful, whatever the population size.

import type { WebId } from '../../query-vocab/types.ts';
import { candidacies, candidates } from './backup.ts';
import type { Topology } from './topology.ts';

export function neighbours(topo: Topology, querier: WebId, self: WebId): Set<WebId> {
  const out = new Set<WebId>([querier]);
  const position = (group: string, p: number) => {
    for (const c of candidates(topo, group, p)) out.add(c);
  };
  const group = (id: string) => {
    const size = topo.groups.get(id)?.members.length ?? 0;
    for (let p = 0; p < size; p++) position(id, p);
  };
  const leaf = topo.plan.zones[self];
  if (leaf !== undefined) group(leaf);
  if (self === querier) group(topo.root.id);
  for (const g of topo.plan.groups) {
    const held = candidacies(topo, g.id, self);
    if (held.length === 0) continue;
    group(g.id);
    for (const { position: p } of held) {
      if (g.parent !== null) position(g.parent, p);
      for (const child of topo.children.get(g.id) ?? []) position(child, p);
    }
    for (const w of topo.zones.get(g.id) ?? []) out.add(w);
  }
  out.delete(self);
  return out;
}
