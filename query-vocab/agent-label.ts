// How an agent is named to people (the console log, the dashboard): the name its profile
// gives (foaf:name, else vcard:fn), else its pod's host and path. Never a bare path
// segment: with pods on subdomains that segment is "profile" for everyone.

import { DataFactory } from 'n3';
import { Graph } from './graph.ts';
import { FOAF, PIM, SOLID, VCARD } from './terms.ts';

/** `alice.localhost:3000`, `127.0.0.1:3000/alice`: the URL without scheme, query, fragment or trailing slash. */
export function hostAndPath(url: string): string {
  const u = new URL(url);
  return u.host + u.pathname.replace(/\/$/, '');
}

/**
 * The label of `webId`. `profile` is its WebID document, when it could be read; `podUrl`
 * its pod, when known (an agent knows its own). Without a name the pod is the profile's
 * storage (pim:storage or solid:storage), else the WebID document itself.
 */
export function agentLabel(webId: string, profile?: string, podUrl?: string): string {
  const graph = profile === undefined ? undefined : parsedOrUndefined(profile, webId);
  if (!graph) return hostAndPath(podUrl ?? webId);
  const me = DataFactory.namedNode(webId);
  const name = [FOAF.name, VCARD.fn].flatMap((p) => graph.objects(me, p)).find((t) => t.termType === 'Literal' && t.value.trim());
  if (name) return name.value.trim();
  const storage = [PIM.storage, SOLID.storage].flatMap((p) => graph.objects(me, p)).find((t) => t.termType === 'NamedNode');
  return hostAndPath(podUrl ?? storage?.value ?? webId);
}

/** An unreadable profile names nobody; the URL still does. */
function parsedOrUndefined(turtle: string, base: string): Graph | undefined {
  try {
    return Graph.parse(turtle, base);
  } catch {
    return undefined;
  }
}
