// The data scope resolved to documents: containers listed (recursively) and classes looked
// up in the owner's type indexes. It is resolved when consent is given, so the decision
// records exactly what the selection may read; an entry that does not exist makes the
// scope missing, never silently empty.

import type { ConsentPolicy } from '../../query-vocab/index.ts';
import { containerMembers, compactIri } from '../../query-vocab/index.ts';
import { registrationsOf } from './type-index.ts';
import { PodError, getTurtleIfExists, type Fetch } from './pod.ts';

/** The documents, or why the scope names something that is not there. */
export type ResolvedScope = { documents: string[] } | { missing: string };

const MAX_DOCUMENTS = 500;

export async function resolveScope(fetch: Fetch, webId: string, policy: Pick<ConsentPolicy, 'dataScope' | 'dataClasses'>): Promise<ResolvedScope> {
  const entries = [...policy.dataScope];
  if (policy.dataClasses.length > 0) {
    for (const [cls, found] of await registrationsOf(fetch, webId, policy.dataClasses)) {
      if (found.instances.length + found.containers.length === 0) {
        return { missing: `no type index of ${webId} registers ${compactIri(cls)} (solid:instance or solid:instanceContainer)` };
      }
      entries.push(...found.instances, ...found.containers);
    }
  }
  const documents = new Set<string>();
  const queue = [...new Set(entries)];
  while (queue.length && documents.size < MAX_DOCUMENTS) {
    const url = queue.shift()!;
    if (!url.endsWith('/')) {
      if (!(await exists(fetch, url))) return { missing: `${url} does not exist` };
      documents.add(url);
      continue;
    }
    const listing = await getTurtleIfExists(fetch, url);
    if (listing === undefined) return { missing: `container ${url} does not exist` };
    // A listed document exists: only the scope's own entries need a look.
    for (const member of containerMembers(listing, url)) {
      if (!member.startsWith(url)) continue;
      if (member.endsWith('/')) queue.push(member);
      else if (documents.size < MAX_DOCUMENTS) documents.add(member);
    }
  }
  return { documents: [...documents].sort() };
}

async function exists(fetch: Fetch, url: string): Promise<boolean> {
  const response = await fetch(url, { method: 'HEAD' });
  if (response.status === 404) return false;
  if (!response.ok) throw new PodError(response.status, `HEAD ${url} answered ${response.status} ${response.statusText}`);
  return true;
}
