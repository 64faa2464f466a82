// Which pinned keys go in which key sheet, and which sheets an agent reads. A group's sheet
// pins its candidates (members and their backups); a leaf's zone sheet pins its zone as
// well. An agent reads its zone's sheet and, for each group it is a candidate in, that
// group's (the zone sheet, for a leaf), its parent's and its children's. A contributor so
// reads one sheet, an aggregator a handful of a dozen pins each, plus the zone it collects
// from: nothing grows with the population but zones. The querier, who read the whole
// population to plan, reads them all.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PinnedPeer, SheetScope, WebId } from '../../query-vocab/types.ts';
import { candidateGroups, candidates } from './backup.ts';
import { isLeaf, type Topology } from './topology.ts';

/** The WebIDs whose keys a sheet pins. */
export function sheetMembers(topo: Topology, scope: SheetScope): WebId[] {
  const out = new Set<WebId>(scope.kind === 'zone' ? topo.zones.get(scope.group) ?? [] : []);
  const size = topo.groups.get(scope.group)?.members.length ?? 0;
  for (let p = 0; p < size; p++) for (const c of candidates(topo, scope.group, p)) out.add(c);
  return [...out];
}

/** The sheets every plan has: one per group, and one per leaf for its zone. */
export function allSheets(topo: Topology): SheetScope[] {
  return topo.plan.groups.flatMap((g): SheetScope[] => (isLeaf(topo, g.id) ? [{ kind: 'group', group: g.id }, { kind: 'zone', group: g.id }] : [{ kind: 'group', group: g.id }]));
}

/** The sheets `self` reads to take part in the run. */
export function sheetsFor(topo: Topology, querier: WebId, self: WebId): SheetScope[] {
  const out = new Map<string, SheetScope>();
  const add = (kind: SheetScope['kind'], group: string) => out.set(`${kind} ${group}`, { kind, group });
  // The querier may announce the run into every participant's inbox (announceToEach).
  if (self === querier) return allSheets(topo);
  const zone = topo.plan.zones[self];
  if (zone !== undefined) add('zone', zone);
  for (const group of candidateGroups(topo, self)) {
    add(isLeaf(topo, group) ? 'zone' : 'group', group);
    const parent = topo.groups.get(group)?.parent;
    if (parent !== null && parent !== undefined) add('group', parent);
    for (const c of topo.children.get(group) ?? []) add('group', c);
  }
  return [...out.values()];
}

/** Hex SHA-256 of the pins, one line per member in WebID order, however the Turtle was written. */
export function sheetDigest(pins: Record<WebId, PinnedPeer>): string {
  const lines = Object.keys(pins).sort().map((w) => [w, bytesToHex(pins[w].x25519), bytesToHex(pins[w].ed25519), pins[w].inbox].join(' '));
  return bytesToHex(sha256(utf8ToBytes(lines.join('\n'))));
}
