// A plan's key sheet: the run keys (public keys and inbox) pinned for one group's
// candidates or, in a zone sheet, for a leaf's candidates and zone. The plan links each sheet with its digest, so an agent reads
// the few sheets its roles need instead of every participant's keys in one document whose
// size, and parse time, grow with the population.
import type { Term } from 'n3';
import { openDocument } from './document.ts';
import { multikeyNode, readKey } from './key-node.ts';
import type { Reader } from './reader.ts';
import { LDP, PA, RDF, SEC } from './terms.ts';
import type { KeySheet, PinnedPeer, SheetScope, WebId } from './types.ts';
import { TurtleDoc, blank, iri, str, type Obj } from './write.ts';

export function parseKeySheet(turtle: string, baseIri: string): KeySheet {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.KeySheet);
  const sheet: KeySheet = {
    id: node.value,
    plan: r.iri(node, PA.plan),
    ...readScope(r, node),
    runKeys: readRunKeys(r, node, r.all(node, PA.runKeys)),
  };
  r.throwIfAny();
  return sheet;
}

export function serializeKeySheet(k: KeySheet): string {
  const s = iri(k.id);
  return new TurtleDoc()
    .add(s, RDF.type, iri(PA.KeySheet))
    .add(s, PA.plan, iri(k.plan))
    .add(s, ...scopePair(k))
    .add(s, PA.runKeys, ...runKeyNodes(k.runKeys))
    .toString();
}

/** A group's sheet names it with pa:groupId, a zone's with pa:zoneOf (shapes.ttl: exactly one). */
export function readScope(r: Reader, node: Term): SheetScope {
  const zone = r.string(node, PA.zoneOf, true);
  return zone === undefined ? { kind: 'group', group: r.string(node, PA.groupId) } : { kind: 'zone', group: zone };
}

export function scopePair(scope: SheetScope): [string, Term] {
  return [scope.kind === 'zone' ? PA.zoneOf : PA.groupId, str(scope.group)];
}

/** pa:runKeys nodes, in a sheet or (the querier's) in the plan itself. */
export function readRunKeys(r: Reader, subject: Term, nodes: Term[]): Record<WebId, PinnedPeer> {
  const out: Record<WebId, PinnedPeer> = {};
  for (const k of nodes) {
    const member = r.iri(k, PA.member);
    if (member in out) r.fault(subject, PA.runKeys, `member <${member}> has two sets of run keys`);
    out[member] = { x25519: readKey(r, k, SEC.keyAgreementMethod, 'x25519'), ed25519: readKey(r, k, SEC.assertionMethod, 'ed25519'), inbox: r.iri(k, LDP.inbox) };
  }
  return out;
}

export function runKeyNodes(pins: Record<WebId, PinnedPeer>): Obj[] {
  return Object.entries(pins).map(([member, k]) => blank(
    [PA.member, iri(member)],
    [SEC.keyAgreementMethod, multikeyNode('x25519', k.x25519, member)],
    [SEC.assertionMethod, multikeyNode('ed25519', k.ed25519, member)],
    [LDP.inbox, iri(k.inbox)],
  ));
}
