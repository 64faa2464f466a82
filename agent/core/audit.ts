// Which contributors a published result covers, recovered from the version ids: the root
// version names child versions, each names its children's, down to leaf versions that
// name contributors. Every slot keeps the entries of each version it sent, so walking the
// runs' states (the simulator's, or the state files Solid agents leave on disk) recovers
// the exact set; tests compare the result with the plaintext over it.

import type { WebId } from '../../query-vocab/types.ts';
import type { RunState } from './state.ts';
import { entryKey } from './version.ts';

export function includedContributors(states: Iterable<RunState>, querier: RunState, rootGroup: string): WebId[] | null {
  const root = querier.querier?.version;
  if (!root) return null;
  const index = new Map<string, { leaf: boolean; entries: string[] }>(); // 'group version' → entries
  for (const state of states) {
    for (const slot of Object.values(state.slots)) {
      for (const [v, entries] of Object.entries(slot.versions)) index.set(`${slot.group} ${v}`, { leaf: slot.leaf, entries });
    }
  }
  const out: WebId[] = [];
  const walk = (group: string, version: string): void => {
    const hit = index.get(`${group} ${version}`);
    if (!hit) throw new Error(`no slot of ${group} sent version ${version}`);
    if (hit.leaf) out.push(...hit.entries);
    else for (const e of hit.entries) walk(entryKey(e), e.slice(entryKey(e).length + 1));
  };
  walk(rootGroup, root);
  return out.sort();
}
