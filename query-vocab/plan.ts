// The plan document: parameters, the aggregator groups in order, backups, zones and the
// public keys and inboxes pinned for the run.
import type { Term } from 'n3';
import { openDocument } from './document.ts';
import { multikeyNode, readKey } from './key-node.ts';
import { paramPairs, readParams } from './params.ts';
import type { Reader } from './reader.ts';
import { LDP, PA, RDF, SEC } from './terms.ts';
import type { AggregationPlan, PinnedPeer, PlanGroup, PlanParams, WebId } from './types.ts';
import { TurtleDoc, blank, dateTime, int, iri, list, str } from './write.ts';

export function parsePlan(turtle: string, baseIri: string): AggregationPlan {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.AggregationPlan);
  const params = readParams(r, node) as PlanParams;
  const groups = r.list(node, PA.groups).map((g) => readGroup(r, node, g));
  const backups = r.list(node, PA.backups).map((t) => r.asIri(node, PA.backups, t));
  const zones: Record<WebId, string> = {};
  for (const z of r.all(node, PA.zone)) {
    const member = r.iri(z, PA.member);
    if (member in zones) r.fault(node, PA.zone, `member <${member}> is given two zones`);
    zones[member] = r.string(z, PA.groupId);
  }
  const ids = new Set(groups.map((g) => g.id));
  for (const [member, group] of Object.entries(zones)) {
    if (!ids.has(group)) r.fault(node, PA.zone, `member <${member}> is zoned to unknown group ${JSON.stringify(group)}`);
  }
  const plan: AggregationPlan = {
    id: node.value,
    query: r.iri(node, PA.query),
    nonce: r.string(node, PA.nonce),
    params,
    groups,
    backups,
    zones,
  };
  const startsAt = r.dateTime(node, PA.startsAt, true);
  if (startsAt !== undefined) plan.startsAt = startsAt;
  const pinned = r.all(node, PA.runKeys);
  if (pinned.length) plan.runKeys = readRunKeys(r, node, pinned);
  r.throwIfAny();
  return plan;
}

function readRunKeys(r: Reader, plan: Term, nodes: Term[]): Record<WebId, PinnedPeer> {
  const out: Record<WebId, PinnedPeer> = {};
  for (const k of nodes) {
    const member = r.iri(k, PA.member);
    if (member in out) r.fault(plan, PA.runKeys, `member <${member}> has two sets of run keys`);
    out[member] = { x25519: readKey(r, k, SEC.keyAgreementMethod, 'x25519'), ed25519: readKey(r, k, SEC.assertionMethod, 'ed25519'), inbox: r.iri(k, LDP.inbox) };
  }
  return out;
}

function readGroup(r: Reader, plan: Term, g: Term): PlanGroup {
  if (g.termType === 'Literal') {
    r.fault(plan, PA.groups, 'each group must be a [ pa:groupId … ; pa:members ( … ) ] node');
    return { id: '', level: 0, parent: null, members: [] };
  }
  return {
    id: r.string(g, PA.groupId),
    level: r.integer(g, PA.level),
    parent: r.string(g, PA.parentGroup, true) ?? null,
    members: r.list(g, PA.members).map((m) => r.asIri(g, PA.members, m)),
  };
}

export function serializePlan(p: AggregationPlan): string {
  const s = iri(p.id);
  const doc = new TurtleDoc()
    .add(s, RDF.type, iri(PA.AggregationPlan))
    .add(s, PA.query, iri(p.query))
    .add(s, PA.nonce, str(p.nonce));
  if (p.startsAt !== undefined) doc.add(s, PA.startsAt, dateTime(p.startsAt));
  for (const [property, value] of paramPairs(p.params)) doc.add(s, property, value);
  return doc
    .add(s, PA.groups, list(p.groups.map((g) => blank(
      [PA.groupId, str(g.id)],
      [PA.level, int(g.level)],
      [PA.parentGroup, g.parent === null ? undefined : str(g.parent)],
      [PA.members, list(g.members.map(iri))],
    ))))
    .add(s, PA.backups, list(p.backups.map(iri)))
    .add(s, PA.zone, ...Object.entries(p.zones).map(([member, group]) => blank([PA.member, iri(member)], [PA.groupId, str(group)])))
    .add(s, PA.runKeys, ...Object.entries(p.runKeys ?? {}).map(([member, k]) => blank(
      [PA.member, iri(member)],
      [SEC.keyAgreementMethod, multikeyNode('x25519', k.x25519, member)],
      [SEC.assertionMethod, multikeyNode('ed25519', k.ed25519, member)],
      [LDP.inbox, iri(k.inbox)],
    )))
    .toString();
}

