// The owner's type indexes, found as the Type Indexes spec says: solid:publicTypeIndex and
// solid:privateTypeIndex linked from the WebID document or from a pim:preferencesFile it
// links. Read with the owner's fetch, since the private index and the preferences file
// are owner-only.

import { documentOf, registrationsFor, typeIndexLinks, type TypeRegistrations } from '../../query-vocab/index.ts';
import { getTurtle, getTurtleIfExists, type Fetch } from './pod.ts';

/** Every type index document the WebID links, directly or through its preferences files. */
export async function typeIndexesOf(fetch: Fetch, webId: string): Promise<string[]> {
  const profileUrl = documentOf(webId);
  const profile = typeIndexLinks(await getTurtle(fetch, profileUrl), profileUrl, webId);
  const indexes = new Set(profile.indexes);
  for (const url of profile.preferences) {
    // A preferences file that is gone links nothing; the public index may still register the class.
    const turtle = await getTurtleIfExists(fetch, url);
    if (turtle !== undefined) for (const index of typeIndexLinks(turtle, url, webId).indexes) indexes.add(index);
  }
  return [...indexes];
}

/** What the owner's type indexes register for each class, merged over the indexes. */
export async function registrationsOf(fetch: Fetch, webId: string, classes: string[]): Promise<Map<string, TypeRegistrations>> {
  const out = new Map(classes.map((c): [string, TypeRegistrations] => [c, { instances: [], containers: [] }]));
  for (const index of await typeIndexesOf(fetch, webId)) {
    const turtle = await getTurtleIfExists(fetch, index);
    if (turtle === undefined) continue;
    for (const [cls, merged] of out) {
      const found = registrationsFor(turtle, index, cls);
      merged.instances.push(...found.instances);
      merged.containers.push(...found.containers);
    }
  }
  return out;
}
