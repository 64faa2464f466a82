// The owner's standing consent policy, and the decision recorded for each query.
import type { Term } from 'n3';
import { openDocument } from './document.ts';
import type { Reader } from './reader.ts';
import { DPV, PA, PROV, RDF } from './terms.ts';
import type { ConsentDecision, ConsentPolicy, PrivacyBudget } from './types.ts';
import { TurtleDoc, blank, bool, dateTime, int, iri, num, str } from './write.ts';

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
  if (r.all(node, PA.requireDifferentialPrivacy).length > 0) policy.requireDifferentialPrivacy = r.boolean(node, PA.requireDifferentialPrivacy);
  const budget = r.one(node, PA.privacyBudget, true);
  if (budget) policy.privacyBudget = readBudget(r, budget);
  const maxEpsilon = r.number(node, PA.maxEpsilonPerQuery, true);
  if (maxEpsilon !== undefined) policy.maxEpsilonPerQuery = maxEpsilon;
  r.throwIfAny();
  return policy;
}

/** The shapes check that ε and the period are positive numbers. */
function readBudget(r: Reader, node: Term): PrivacyBudget {
  const per = r.iri(node, PA.budgetPer, true);
  return { epsilon: r.number(node, PA.epsilon), periodDays: r.number(node, PA.periodDays), per: per === PA.PerPurpose ? 'purpose' : 'querier' };
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
    .add(s, PA.requireDifferentialPrivacy, p.requireDifferentialPrivacy === undefined ? undefined : bool(p.requireDifferentialPrivacy))
    .add(s, PA.maxEpsilonPerQuery, p.maxEpsilonPerQuery === undefined ? undefined : num(p.maxEpsilonPerQuery))
    .add(s, PA.privacyBudget, p.privacyBudget && blank(
      [RDF.type, iri(PA.PrivacyBudget)],
      [PA.epsilon, num(p.privacyBudget.epsilon)],
      [PA.periodDays, num(p.privacyBudget.periodDays)],
      [PA.budgetPer, iri(p.privacyBudget.per === 'purpose' ? PA.PerPurpose : PA.PerQuerier)],
    ))
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
  const querier = r.iri(node, PA.querier, true);
  if (querier !== undefined) decision.querier = querier;
  const purposes = r.iris(node, DPV.hasPurpose).sort();
  if (purposes.length > 0) decision.purposes = purposes;
  const epsilon = r.number(node, PA.epsilon, true);
  if (epsilon !== undefined) decision.epsilon = epsilon;
  const delta = r.number(node, PA.delta, true);
  if (delta !== undefined) decision.delta = delta;
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
    .add(s, PA.querier, d.querier === undefined ? undefined : iri(d.querier))
    .add(s, DPV.hasPurpose, ...(d.purposes ?? []).map(iri))
    .add(s, PA.epsilon, d.epsilon === undefined ? undefined : num(d.epsilon))
    .add(s, PA.delta, d.delta === undefined ? undefined : num(d.delta))
    .toString();
}
