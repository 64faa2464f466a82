// The podagg part of a WebID profile: the agent's inbox and its two public keys as
// Multikeys. Reading is tolerant of everything else a profile holds; writing produces a
// SPARQL Update so that the rest of the profile is left alone.

import { DataFactory, Writer, type Quad } from 'n3';
import { Graph } from './graph.ts';
import { decodeMultikey, encodeMultikey, type KeyType } from './multikey.ts';
import { LDP, RDF, SEC } from './terms.ts';

export interface AgentProfile {
  inbox?: string;
  x25519?: Uint8Array;
  ed25519?: Uint8Array;
}

const { namedNode, literal, quad } = DataFactory;

/** Key fragment ids inside the profile document. */
const KEY_FRAGMENT: Record<KeyType, string> = { x25519: 'podagg-x25519', ed25519: 'podagg-ed25519' };
const KEY_LINK: Record<KeyType, string> = { x25519: SEC.keyAgreementMethod, ed25519: SEC.assertionMethod };

export function readAgentProfile(turtle: string, webId: string): AgentProfile {
  const graph = Graph.parse(turtle, webId);
  const me = namedNode(webId);
  const inbox = graph.objects(me, LDP.inbox).find((t) => t.termType === 'NamedNode')?.value;
  const key = (type: KeyType) => {
    for (const node of graph.objects(me, KEY_LINK[type])) {
      for (const value of graph.objects(node, SEC.publicKeyMultibase)) {
        try {
          return decodeMultikey(type, value.value);
        } catch {
          // not a key of this type: another method may follow
        }
      }
    }
    return undefined;
  };
  return { inbox, x25519: key('x25519'), ed25519: key('ed25519') };
}

/** The triples podagg owns in a profile. */
export function agentProfileQuads(webId: string, profile: Required<AgentProfile>): Quad[] {
  const me = namedNode(webId);
  const out: Quad[] = [quad(me, namedNode(LDP.inbox), namedNode(profile.inbox))];
  for (const type of ['x25519', 'ed25519'] as const) {
    const node = namedNode(new URL(`#${KEY_FRAGMENT[type]}`, webId).href);
    out.push(
      quad(me, namedNode(KEY_LINK[type]), node),
      quad(node, namedNode(RDF.type), namedNode(SEC.Multikey)),
      quad(node, namedNode(SEC.controller), me),
      quad(node, namedNode(SEC.publicKeyMultibase), literal(encodeMultikey(type, profile[type]), namedNode(SEC.multibase))),
    );
  }
  return out;
}

/** The podagg triples already in a profile document (to delete them before a change). */
export function existingAgentQuads(turtle: string, webId: string): Quad[] {
  const graph = Graph.parse(turtle, webId);
  const me = namedNode(webId);
  const mine = new Set([LDP.inbox, SEC.keyAgreementMethod, SEC.assertionMethod]);
  const keyNodes = new Set(
    Object.values(KEY_FRAGMENT).map((f) => new URL(`#${f}`, webId).href),
  );
  return graph.quads.filter(
    (q) => (q.subject.equals(me) && mine.has(q.predicate.value)) || keyNodes.has(q.subject.value),
  );
}

/** A SPARQL Update that deletes `remove` and inserts `add`. */
export function sparqlUpdate(remove: Quad[], add: Quad[]): string {
  const block = (quads: Quad[]) => new Writer({ format: 'N-Triples' }).quadsToString(quads);
  const parts: string[] = [];
  if (remove.length) parts.push(`DELETE DATA {\n${block(remove)}}`);
  if (add.length) parts.push(`INSERT DATA {\n${block(add)}}`);
  return parts.join(';\n');
}
