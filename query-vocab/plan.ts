// The plan document: parameters, the aggregator groups in order with each leaf's zone,
// backups, the querier's pinned keys and the key sheets that pin everyone else's.
import type { Term } from 'n3';
import { openDocument } from './document.ts';
import { readRunKeys, readScope, runKeyNodes, scopePair } from './key-sheet.ts';
import { paramPairs, readParams } from './params.ts';
import type { Reader } from './reader.ts';
import { PA, RDF } from './terms.ts';
import type { AggregationPlan, KeySheetRef, PlanGroup, PlanParams, WebId } from './types.ts';
import { TurtleDoc, blank, dateTime, int, iri, list, str } from './write.ts';

export function parsePlan(turtle: string, baseIri: string): AggregationPlan {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.AggregationPlan);
  const params = readParams(r, node) as PlanParams;
  const zones: Record<WebId, string> = {};
  const groups = r.list(node, PA.groups).map((g) => readGroup(r, node, g, zones));
  const backups = r.list(node, PA.backups).map((t) => r.asIri(node, PA.backups, t));
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
  const sheets = r.all(node, PA.keySheet);
  if (sheets.length) plan.keySheets = sheets.map((k): KeySheetRef => ({ ...readScope(r, k), sheet: r.iri(k, PA.sheet), sha256: r.string(k, PA.sha256) }));
  r.throwIfAny();
  return plan;
}

function readGroup(r: Reader, plan: Term, g: Term, zones: Record<WebId, string>): PlanGroup {
  if (g.termType === 'Literal') {
    r.fault(plan, PA.groups, 'each group must be a [ pa:groupId … ; pa:members ( … ) ] node');
    return { id: '', level: 0, parent: null, members: [] };
  }
  const id = r.string(g, PA.groupId);
  for (const t of r.list(g, PA.zoneMembers, true) ?? []) {
    const member = r.asIri(g, PA.zoneMembers, t);
    if (member in zones) r.fault(plan, PA.zoneMembers, `member <${member}> is given two zones`);
    zones[member] = id;
  }
  return {
    id,
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
  const zoned = new Map<string, WebId[]>();
  for (const [member, group] of Object.entries(p.zones)) zoned.set(group, [...(zoned.get(group) ?? []), member]);
  return doc
    .add(s, PA.groups, list(p.groups.map((g) => blank(
      [PA.groupId, str(g.id)],
      [PA.level, int(g.level)],
      [PA.parentGroup, g.parent === null ? undefined : str(g.parent)],
      [PA.members, list(g.members.map(iri))],
      [PA.zoneMembers, zoned.has(g.id) ? list(zoned.get(g.id)!.map(iri)) : undefined],
    ))))
    .add(s, PA.backups, list(p.backups.map(iri)))
    .add(s, PA.runKeys, ...runKeyNodes(p.runKeys ?? {}))
    .add(s, PA.keySheet, ...(p.keySheets ?? []).map((k) => blank(scopePair(k), [PA.sheet, iri(k.sheet)], [PA.sha256, str(k.sha256)])))
    .toString();
}

