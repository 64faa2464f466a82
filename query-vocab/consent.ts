// The owner's standing consent policy, and the decision recorded for each query.
import { openDocument } from './document.ts';
import { DPV, PA, PROV, RDF } from './terms.ts';
import type { ConsentDecision, ConsentPolicy } from './types.ts';
import { TurtleDoc, bool, dateTime, int, iri, str } from './write.ts';

export function parseConsentPolicy(turtle: string, baseIri: string): ConsentPolicy {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.ConsentPolicy);
  const policy: ConsentPolicy = {
    id: node.value,
    owner: r.iri(node, PA.owner),
    purposes: r.iris(node, DPV.hasPurpose).sort(),
    queriers: r.iris(node, PA.acceptedQuerier).sort(),
    anyQuerier: r.boolean(node, PA.anyQuerier),
    dataScope: r.iris(node, PA.dataScope).sort(),
    dataClasses: r.iris(node, PA.dataClass).sort(),
    minGroupSize: r.integer(node, PA.minGroupSize),
    minContributors: r.integer(node, PA.minContributors),
    maxQueriesPerDay: r.integer(node, PA.maxQueriesPerDay),
  };
  r.throwIfAny();
  return policy;
}

export function serializeConsentPolicy(p: ConsentPolicy): string {
  const s = iri(p.id);
  return new TurtleDoc()
    .add(s, RDF.type, iri(PA.ConsentPolicy))
    .add(s, PA.owner, iri(p.owner))
    .add(s, DPV.hasPurpose, ...p.purposes.map(iri))
    .add(s, PA.anyQuerier, bool(p.anyQuerier))
    .add(s, PA.acceptedQuerier, ...p.queriers.map(iri))
    .add(s, PA.dataScope, ...p.dataScope.map(iri))
    .add(s, PA.dataClass, ...p.dataClasses.map(iri))
    .add(s, PA.minGroupSize, int(p.minGroupSize))
    .add(s, PA.minContributors, int(p.minContributors))
    .add(s, PA.maxQueriesPerDay, int(p.maxQueriesPerDay))
    .toString();
}

export function parseConsentDecision(turtle: string, baseIri: string): ConsentDecision {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.ConsentDecision);
  const decision: ConsentDecision = {
    id: node.value,
    owner: r.iri(node, PA.owner),
    query: r.iri(node, PA.query),
    accepted: r.boolean(node, PA.accepted),
    reason: r.string(node, PA.reason),
    at: r.dateTime(node, PROV.generatedAtTime),
    documents: r.iris(node, PA.scopeDocument).sort(),
  };
  r.throwIfAny();
  return decision;
}

export function serializeConsentDecision(d: ConsentDecision): string {
  const s = iri(d.id);
  return new TurtleDoc()
    .add(s, RDF.type, iri(PA.ConsentDecision))
    .add(s, PA.owner, iri(d.owner))
    .add(s, PA.query, iri(d.query))
    .add(s, PA.accepted, bool(d.accepted))
    .add(s, PA.reason, str(d.reason))
    .add(s, PROV.generatedAtTime, dateTime(d.at))
    .add(s, PA.scopeDocument, ...d.documents.map(iri))
    .toString();
}
