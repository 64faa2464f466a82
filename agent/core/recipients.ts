// Whom an agent writes to in a run, so whose pinned keys and inbox it must check against
// their profiles before it seals or posts anything: the querier, the leaf group it answers
// (shares, abstentions), and, for each position it may hold (planned or as a backup), the
// group's candidates (confirmations) and the same position of the parent group (sums,
// withdrawals). A handful, whatever the population size. A contributor writes to its leaf's
// backups only once a leaf member failed, so those are checked then (`leafBackups`).
//
// The peers it only hears from (its zone, the child groups) are not checked: their pins
// are the querier's word, and a false pin there lets the querier forge or drop inputs to
// a result it publishes itself, which it could do without one. Nothing sealed goes to them.

import type { WebId } from '../../query-vocab/types.ts';
import { candidacies, candidates } from './backup.ts';
import type { Topology } from './topology.ts';

export function recipients(topo: Topology, querier: WebId, self: WebId, o: { leafBackups: boolean }): Set<WebId> {
  const out = new Set<WebId>([querier]);
  const position = (group: string, p: number) => {
    for (const c of candidates(topo, group, p)) out.add(c);
  };
  const group = (id: string) => {
    const size = topo.groups.get(id)?.members.length ?? 0;
    for (let p = 0; p < size; p++) position(id, p);
  };
  const leaf = topo.plan.zones[self];
  if (leaf !== undefined && o.leafBackups) group(leaf);
  else if (leaf !== undefined) for (const w of topo.groups.get(leaf)?.members ?? []) out.add(w);
  for (const g of topo.plan.groups) {
    const held = candidacies(topo, g.id, self);
    if (held.length === 0) continue;
    group(g.id);
    if (g.parent !== null) for (const { position: p } of held) position(g.parent, p);
  }
  out.delete(self);
  return out;
}
