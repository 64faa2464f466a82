// A version id names exactly what a partial sum covers: the hash of the sorted
// contributor ids (leaf) or of the sorted 'child=version' entries (inner). Equal version
// ids at the k positions mean the k shares of the sum add up to the same set.

import { createHash } from 'node:crypto';

export function versionId(entries: readonly string[]): string {
  const sorted = [...entries].sort();
  return createHash('sha256').update(sorted.join('\n'), 'utf8').digest('hex').slice(0, 32);
}

/** The entry an inner group records for a child's partial sum. */
export function childEntry(child: string, version: string): string {
  return `${child}=${version}`;
}

/** The input key an entry stands for: the contributor id, or the child group id. */
export function entryKey(entry: string): string {
  const eq = entry.lastIndexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}
