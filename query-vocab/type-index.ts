// Reading Solid type indexes (the Type Indexes spec): where a WebID's profile and its
// preferences file point to the indexes, and which instances and instance containers an
// index registers for a class. Tolerant of everything else these documents hold.

import { DataFactory, type Term } from 'n3';
import { Graph } from './graph.ts';
import { PIM, SOLID } from './terms.ts';

/** What one profile-like document (the WebID document or a preferences file) links. */
export interface TypeIndexLinks {
  /** solid:publicTypeIndex and solid:privateTypeIndex documents. */
  indexes: string[];
  /** pim:preferencesFile documents, where a private type index is usually linked. */
  preferences: string[];
}

/** The documents and containers an index registers for one class. */
export interface TypeRegistrations {
  instances: string[];
  containers: string[];
}

const named = (terms: Term[]) => terms.filter((t) => t.termType === 'NamedNode').map((t) => t.value);

export function typeIndexLinks(turtle: string, documentUrl: string, webId: string): TypeIndexLinks {
  const graph = Graph.parse(turtle, documentUrl);
  const me = DataFactory.namedNode(webId);
  return {
    indexes: named([...graph.objects(me, SOLID.publicTypeIndex), ...graph.objects(me, SOLID.privateTypeIndex)]),
    preferences: named(graph.objects(me, PIM.preferencesFile)),
  };
}

/** The registrations for `cls` in a type index document (solid:forClass on any subject). */
export function registrationsFor(turtle: string, indexUrl: string, cls: string): TypeRegistrations {
  const graph = Graph.parse(turtle, indexUrl);
  const out: TypeRegistrations = { instances: [], containers: [] };
  for (const q of graph.quads) {
    if (q.predicate.value !== SOLID.forClass || q.object.value !== cls) continue;
    out.instances.push(...named(graph.objects(q.subject, SOLID.instance)));
    out.containers.push(...named(graph.objects(q.subject, SOLID.instanceContainer)));
  }
  return out;
}
