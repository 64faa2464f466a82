// The podagg part of a WebID profile. podagg keeps it in a document of its own in the pod,
// an extended profile linked from the WebID document with rdfs:seeAlso (Solid WebID Profile):
// the agent's inbox, its two current public keys as Multikeys, and the keys it retired by a
// rotation, each with sec:expires (a retired key still verifies and receives for the runs
// pinned to it, until it expires). The WebID document itself gets that one link and nothing
// else; pods provisioned before kept the entries in the WebID document, and readers still
// accept them there until `agent init` moves them.

import { DataFactory, Writer, type Quad } from 'n3';
import { Graph } from './graph.ts';
import { documentOf } from './iri.ts';
import { decodeMultikey, encodeMultikey, type KeyType } from './multikey.ts';
import { LDP, RDF, RDFS, SEC, SOLID, XSD } from './terms.ts';
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

/** A document read for a profile: the WebID document, or one it links. */
export interface ProfileDocument {
  url: string;
  turtle: string;
}

const { namedNode, literal, quad } = DataFactory;

const KEY_LINK: Record<KeyType, string> = { x25519: SEC.keyAgreementMethod, ed25519: SEC.assertionMethod };
const TYPES = ['x25519', 'ed25519'] as const;

/** Key nodes in the extended profile: fixed for the current keys, from the key for retired ones. */
const currentNode = (doc: string, type: KeyType) => `${doc}#${type}`;
const retiredNode = (doc: string, type: KeyType, key: Uint8Array) => `${doc}#${type}-${encodeMultikey(type, key).slice(-12)}`;
/** Where podagg put its key nodes inside the WebID document, before the extended profile. */
const legacyPrefix = (webId: string) => new URL('#podagg-', webId).href;

/** The documents the WebID document links with rdfs:seeAlso: the only others a reader trusts. */
export function profileLinks(webIdTurtle: string, webId: string): string[] {
  const graph = Graph.parse(webIdTurtle, webId);
  return graph.objects(namedNode(webId), RDFS.seeAlso).filter((t) => t.termType === 'NamedNode').map((t) => t.value);
}

/**
 * Reads the agent's entries from the first document that publishes keys for it; the inbox is
 * the one that document names, so a user's own ldp:inbox elsewhere is not taken for podagg's.
 * Keys whose sec:expires is not after `now` are left out.
 */
export function readAgentProfile(docs: ProfileDocument[], webId: string, now = Date.now()): AgentProfile {
  for (const doc of docs) {
    // In the WebID document only podagg's own earlier key nodes: the user's keys are not podagg's.
    const ours = doc.url === documentOf(webId) ? (node: string) => node.startsWith(legacyPrefix(webId)) : () => true;
    const profile = readDocument(Graph.parse(doc.turtle, doc.url), webId, now, ours);
    if (profile.x25519 || profile.ed25519) return profile;
  }
  return { retired: { x25519: [], ed25519: [] } };
}

function readDocument(graph: Graph, webId: string, now: number, ours: (node: string) => boolean): AgentProfile {
  const me = namedNode(webId);
  const profile: AgentProfile = {
    inbox: graph.objects(me, LDP.inbox).find((t) => t.termType === 'NamedNode')?.value,
    retired: { x25519: [], ed25519: [] },
  };
  for (const type of TYPES) {
    for (const node of graph.objects(me, KEY_LINK[type]).filter((t) => ours(t.value))) {
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

/** The whole extended profile document at `doc`. */
export function agentProfileQuads(webId: string, doc: string, profile: PublicKeys & { inbox: string; retired: RetiredKeys[] }): Quad[] {
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
    keyQuads(type, currentNode(doc, type), profile[type]);
    for (const r of profile.retired) {
      const node = keyQuads(type, retiredNode(doc, type, r[type]), r[type]);
      out.push(quad(node, namedNode(SEC.expires), literal(r.expires, namedNode(XSD.dateTime))));
    }
  }
  return out;
}

export function agentProfileTurtle(webId: string, doc: string, profile: PublicKeys & { inbox: string; retired: RetiredKeys[] }): string {
  return new Writer({ format: 'N-Triples' }).quadsToString(agentProfileQuads(webId, doc, profile));
}

/** The link podagg adds to the WebID document. */
export function profileLinkQuad(webId: string, doc: string): Quad {
  return quad(namedNode(webId), namedNode(RDFS.seeAlso), namedNode(doc));
}

/**
 * The triples an earlier podagg wrote into the WebID document, and only those: its key nodes
 * (#podagg-…) with the links to them, and the ldp:inbox naming podagg's own inbox. A user's
 * own inbox or keys are not podagg's and stay.
 */
export function legacyAgentQuads(webIdTurtle: string, webId: string, podaggInbox: string): Quad[] {
  const graph = Graph.parse(webIdTurtle, webId);
  const me = namedNode(webId);
  const ours = legacyPrefix(webId);
  const keyNodes = new Set(TYPES.flatMap((type) => graph.objects(me, KEY_LINK[type])).map((t) => t.value).filter((iri) => iri.startsWith(ours)));
  return graph.quads.filter(
    (q) =>
      keyNodes.has(q.subject.value) ||
      (q.subject.equals(me) && q.object.termType === 'NamedNode' && keyNodes.has(q.object.value)) ||
      (q.subject.equals(me) && q.predicate.value === LDP.inbox && q.object.value === podaggInbox),
  );
}

/** An N3 Patch (the Solid Protocol's patch format) deleting `remove` and inserting `add`. */
export function n3Patch(remove: Quad[], add: Quad[]): string {
  const block = (quads: Quad[]) => `{\n${new Writer({ format: 'N-Triples' }).quadsToString(quads)}}`;
  const parts = [`_:patch a <${SOLID.InsertDeletePatch}>`];
  if (remove.length) parts.push(`<${SOLID.deletes}> ${block(remove)}`);
  if (add.length) parts.push(`<${SOLID.inserts}> ${block(add)}`);
  return `${parts.join(';\n')}.\n`;
}
