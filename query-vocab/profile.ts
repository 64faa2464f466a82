// The podagg part of a WebID profile: the agent's inbox, its two current public keys as
// Multikeys, and the keys it retired by a rotation, each with sec:expires: a retired key
// still verifies and receives for the runs pinned to it, until it expires. Reading is
// tolerant of everything else a profile holds; writing produces a SPARQL Update so that
// the rest of the profile is left alone.

import { DataFactory, Writer, type Quad } from 'n3';
import { Graph } from './graph.ts';
import { decodeMultikey, encodeMultikey, type KeyType } from './multikey.ts';
import { LDP, RDF, SEC, XSD } from './terms.ts';
import type { PublicKeys } from './types.ts';

/** A key pair retired by a rotation, valid until `expires` (ISO 8601). */
export interface RetiredKeys extends PublicKeys {
  expires: string;
}

export interface AgentProfile {
  inbox?: string;
  x25519?: Uint8Array;
  ed25519?: Uint8Array;
  /** Retired keys not yet expired, one list per type. */
  retired: Record<KeyType, Uint8Array[]>;
}

const { namedNode, literal, quad } = DataFactory;

const KEY_LINK: Record<KeyType, string> = { x25519: SEC.keyAgreementMethod, ed25519: SEC.assertionMethod };
const TYPES = ['x25519', 'ed25519'] as const;

/** Key node IRIs inside the profile document: fixed for the current keys, from the key for retired ones. */
const currentNode = (webId: string, type: KeyType) => new URL(`#podagg-${type}`, webId).href;
const retiredNode = (webId: string, type: KeyType, key: Uint8Array) => new URL(`#podagg-${type}-${encodeMultikey(type, key).slice(-12)}`, webId).href;

/** Reads the agent's entries; keys whose sec:expires is not after `now` are left out. */
export function readAgentProfile(turtle: string, webId: string, now = Date.now()): AgentProfile {
  const graph = Graph.parse(turtle, webId);
  const me = namedNode(webId);
  const profile: AgentProfile = {
    inbox: graph.objects(me, LDP.inbox).find((t) => t.termType === 'NamedNode')?.value,
    retired: { x25519: [], ed25519: [] },
  };
  for (const type of TYPES) {
    for (const node of graph.objects(me, KEY_LINK[type])) {
      const key = graph.objects(node, SEC.publicKeyMultibase).map((v) => decodeOrUndefined(type, v.value)).find((k) => k);
      if (!key) continue; // not a key of this type: another method may follow
      const expires = graph.objects(node, SEC.expires)[0]?.value;
      if (expires === undefined) profile[type] ??= key;
      else if (Date.parse(expires) > now) profile.retired[type].push(key);
    }
  }
  return profile;
}

function decodeOrUndefined(type: KeyType, multibase: string): Uint8Array | undefined {
  try {
    return decodeMultikey(type, multibase);
  } catch {
    return undefined;
  }
}

/** The triples podagg owns in a profile. */
export function agentProfileQuads(webId: string, profile: PublicKeys & { inbox: string; retired: RetiredKeys[] }): Quad[] {
  const me = namedNode(webId);
  const out: Quad[] = [quad(me, namedNode(LDP.inbox), namedNode(profile.inbox))];
  const keyQuads = (type: KeyType, iri: string, key: Uint8Array) => {
    const node = namedNode(iri);
    out.push(
      quad(me, namedNode(KEY_LINK[type]), node),
      quad(node, namedNode(RDF.type), namedNode(SEC.Multikey)),
      quad(node, namedNode(SEC.controller), me),
      quad(node, namedNode(SEC.publicKeyMultibase), literal(encodeMultikey(type, key), namedNode(SEC.multibase))),
    );
    return node;
  };
  for (const type of TYPES) {
    keyQuads(type, currentNode(webId, type), profile[type]);
    for (const r of profile.retired) {
      const node = keyQuads(type, retiredNode(webId, type, r[type]), r[type]);
      out.push(quad(node, namedNode(SEC.expires), literal(r.expires, namedNode(XSD.dateTime))));
    }
  }
  return out;
}

/** The podagg triples already in a profile document (to delete them before a change). */
export function existingAgentQuads(turtle: string, webId: string): Quad[] {
  const graph = Graph.parse(turtle, webId);
  const me = namedNode(webId);
  const mine = new Set([LDP.inbox, SEC.keyAgreementMethod, SEC.assertionMethod]);
  const ours = new URL('#podagg-', webId).href;
  const keyNodes = new Set(
    TYPES.flatMap((type) => graph.objects(me, KEY_LINK[type])).map((t) => t.value).filter((iri) => iri.startsWith(ours)),
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
