// The query document: what a querier writes by hand, strict to read.
import { DataFactory, type Quad, type Term } from 'n3';
import { openGraph } from './document.ts';
import { Graph } from './graph.ts';
import { paramPairs, readParams } from './params.ts';
import type { Reader } from './reader.ts';
import { selectionProblems } from './sparql-check.ts';
import { DCTERMS, DPV, PA, RDF, compactIri } from './terms.ts';
import type { AggregateKind, AggregateSpec, AggregationQuery, Bin, BoundedSpec, CountSpec, GroupBy } from './types.ts';
import { TRAINING_PROPERTIES, readTrainer, writeTrainer } from './trainer.ts';
import { TurtleDoc, blank, bool, dateTime, int, iri, list, num, str } from './write.ts';
import { documentOf } from './iri.ts';
import { stripMark } from './variables.ts';
import { privacyNode, readDifferentialPrivacy, writeDifferentialPrivacy } from './differential-privacy.ts';

export const AGGREGATE_KINDS: readonly AggregateKind[] = ['Count', 'Sum', 'Mean', 'Variance', 'SampleVariance', 'Histogram', 'VectorSum', 'Training', 'Evaluation'];

/** Defaults a querier may leave out. */
const QUERY_DEFAULTS = { unit: 'people', precision: 0, maxRows: 1000, expectedSelectivity: 1 } as const;

/** The properties that say what an aggregate reads, each allowed on some kinds only. */
const KIND_PROPERTIES = [PA.variable, PA.variables, PA.dimension, PA.lower, PA.upper, PA.precision, PA.bin, ...TRAINING_PROPERTIES];
const BOUNDS = [PA.lower, PA.upper, PA.precision];
const PROPERTIES_OF: Record<AggregateKind, readonly string[]> = {
  Count: [],
  Sum: [PA.variable, ...BOUNDS],
  Mean: [PA.variable, ...BOUNDS],
  Variance: [PA.variable, ...BOUNDS],
  SampleVariance: [PA.variable, ...BOUNDS],
  Histogram: [PA.variable, PA.bin],
  VectorSum: [PA.variables, PA.dimension, ...BOUNDS],
  Training: TRAINING_PROPERTIES,
  Evaluation: TRAINING_PROPERTIES,
};

export function parseQuery(turtle: string, baseIri: string): AggregationQuery {
  const { reader: r, node } = openGraph(nameAggregates(Graph.parse(turtle, baseIri), baseIri), baseIri, PA.AggregationQuery);
  const aggregateNodes = r.all(node, PA.aggregate).filter((a) => a.termType === 'NamedNode');
  const aggregates = aggregateNodes.map((a) => readAggregate(r, a));
  const query: AggregationQuery = {
    id: node.value,
    title: r.string(node, DCTERMS.title),
    querier: r.iri(node, PA.querier),
    population: r.iri(node, PA.population),
    selection: r.string(node, PA.selection),
    aggregates,
    purposes: r.iris(node, DPV.hasPurpose).sort(),
    minContributors: r.integer(node, PA.minContributors),
    deadline: r.dateTime(node, PA.deadline),
    expectedSelectivity: r.number(node, PA.expectedSelectivity, true) ?? QUERY_DEFAULTS.expectedSelectivity,
    hideParticipation: r.one(node, PA.hideParticipation, true) ? r.boolean(node, PA.hideParticipation) : false,
    validated: r.one(node, PA.validateContributions, true) ? r.boolean(node, PA.validateContributions) : false,
  };
  const plan = r.iri(node, PA.plan, true);
  if (plan !== undefined) query.plan = plan;
  const nonce = r.string(node, PA.nonce, true);
  if (nonce !== undefined) query.nonce = nonce;
  const fixed = r.one(node, PA.fixedParams, true);
  if (fixed) query.fixedParams = readParams(r, fixed);
  const privacy = privacyNode(r, node);
  if (privacy) {
    query.differentialPrivacy = readDifferentialPrivacy(r, privacy);
    requirePrivacyBounds(r, node, aggregateNodes, aggregates);
    query.hideParticipation = true;
    if (query.validated) {
      r.fault(node, PA.validateContributions, 'a differentially private query cannot have validated contributions yet: its root positions add noise in Z/2^64, validated sums are in the Prio3 field');
    }
  }
  if (r.graph.objects(node, PA.selection).length === 1) {
    for (const p of selectionProblems(query.selection, aggregates)) {
      r.fault(p.subject ? DataFactory.namedNode(p.subject) : node, p.property, p.message);
    }
  }
  r.throwIfAny();
  return query;
}

/**
 * What a differentially private query needs beyond the declaration: hidden participation
 * (else the exact contributor count is a noiseless count of who matched the selection), and
 * each per-row aggregate's own bound on the rows one person adds (the default cap guards
 * the ring, it is no privacy statement).
 */
function requirePrivacyBounds(r: Reader, node: Term, nodes: Term[], aggregates: AggregateSpec[]): void {
  if (r.all(node, PA.hideParticipation).length > 0 && !r.boolean(node, PA.hideParticipation)) {
    r.fault(node, PA.hideParticipation, 'a differentially private query hides participation (true, its default): the exact number of members who matched the selection would be released without noise');
  }
  aggregates.forEach((a, i) => {
    if (a.unit === 'rows' && r.all(nodes[i], PA.maxRows).length === 0) {
      r.fault(nodes[i], PA.maxRows, 'a differentially private query bounds what one person adds: declare pa:maxRows, the most rows one person adds to this aggregate');
    }
  });
}

/**
 * Gives each blank aggregate node an IRI in the query document (`#aggregate-1`, …, in
 * document order), since results and messages refer to aggregates by IRI.
 */
function nameAggregates(graph: Graph, baseIri: string): Graph {
  const doc = documentOf(baseIri);
  const taken = new Set(graph.quads.flatMap((q) => [q.subject.value, q.object.value]));
  const names = new Map<string, Term>();
  for (const q of graph.quads) {
    if (q.predicate.value === PA.aggregate && q.object.termType === 'BlankNode' && !names.has(q.object.value)) {
      let n = names.size + 1;
      while (taken.has(`${doc}#aggregate-${n}`)) n++;
      taken.add(`${doc}#aggregate-${n}`);
      names.set(q.object.value, DataFactory.namedNode(`${doc}#aggregate-${n}`));
    }
  }
  if (names.size === 0) return graph;
  const rename = <T extends Term>(t: T): T => (t.termType === 'BlankNode' ? ((names.get(t.value) as T | undefined) ?? t) : t);
  return new Graph(graph.quads.map((q) => DataFactory.quad(rename(q.subject), q.predicate, rename(q.object), q.graph) as Quad));
}

function readAggregate(r: Reader, node: Term): AggregateSpec {
  const types = r.all(node, RDF.type).map((t) => t.value);
  const kinds = AGGREGATE_KINDS.filter((k) => types.includes(PA[k]));
  if (kinds.length !== 1 && types.length > 0) {
    const what = kinds.length === 0 ? `unknown aggregate class ${types.map(compactIri).join(', ')}` : `several aggregate classes ${kinds.map((k) => `pa:${k}`).join(', ')}`;
    r.fault(node, RDF.type, `${what}; expected one of ${AGGREGATE_KINDS.map((k) => `pa:${k}`).join(', ')}`);
  }
  const kind = kinds[0] ?? 'Count';
  if (kinds.length === 1) {
    for (const p of KIND_PROPERTIES.filter((p) => !PROPERTIES_OF[kind].includes(p) && r.all(node, p).length > 0)) {
      r.fault(node, p, `does not apply to a pa:${kind}`);
    }
  }
  const unit = r.iri(node, PA.unit, true) === PA.Rows ? 'rows' : 'people';
  const base: Omit<CountSpec, 'kind'> = { id: node.value, unit };
  const groupBy = r.one(node, PA.groupBy, true);
  if (groupBy) base.groupBy = readGroupBy(r, groupBy);
  const maxRows = r.integer(node, PA.maxRows, true);
  if (maxRows !== undefined) base.maxRows = maxRows;
  else if (unit === 'rows') base.maxRows = QUERY_DEFAULTS.maxRows;
  switch (kind) {
    case 'Count':
      return { ...base, kind };
    case 'Sum':
    case 'Mean':
    case 'Variance':
    case 'SampleVariance':
      return { ...base, kind, variable: stripMark(r.string(node, PA.variable)), ...readBounds(r, node) };
    case 'Histogram':
      return { ...base, kind, variable: stripMark(r.string(node, PA.variable)), bins: readBins(r, node, r.all(node, PA.bin)) };
    case 'VectorSum':
      return { ...base, kind, variables: readVariableList(r, node), ...readBounds(r, node) };
    case 'Training':
    case 'Evaluation':
      return readComputed(r, node, kind, base);
  }
}

/** A training or evaluation: every row counts (maxRows caps them), one block, no grouping. */
function readComputed(r: Reader, node: Term, kind: 'Training' | 'Evaluation', base: Omit<CountSpec, 'kind'>): AggregateSpec {
  if (base.groupBy) r.fault(node, PA.groupBy, `a pa:${kind} cannot be grouped`);
  if (r.iri(node, PA.unit, true) === PA.People) r.fault(node, PA.unit, `a pa:${kind} counts rows: its unit is pa:Rows`);
  const trainerNode = r.one(node, PA.trainer);
  const trainer = readTrainer(r, trainerNode ?? node);
  const model = r.iri(node, PA.model, true);
  const common = { id: base.id, unit: 'rows' as const, maxRows: base.maxRows ?? QUERY_DEFAULTS.maxRows, trainer };
  if (kind === 'Evaluation') return { ...common, kind, model: model ?? '' };
  if (trainer.kind === 'LogisticRegression' && model === undefined) r.fault(node, PA.model, 'logistic regression trains from a model: pa:model is required');
  if (trainer.kind === 'NaiveBayes' && model !== undefined) r.fault(node, PA.model, 'naive Bayes counts depend on no model: pa:model does not apply');
  return model === undefined ? { ...common, kind } : { ...common, kind, model };
}

function readBounds(r: Reader, node: Term): Pick<BoundedSpec, 'lower' | 'upper' | 'precision'> {
  return {
    lower: r.number(node, PA.lower),
    upper: r.number(node, PA.upper),
    precision: r.integer(node, PA.precision, true) ?? QUERY_DEFAULTS.precision,
  };
}

function readVariableList(r: Reader, node: Term): string[] {
  const variables = r.list(node, PA.variables).map((t) => stripMark(r.asString(node, PA.variables, t)));
  const dimension = r.integer(node, PA.dimension, true);
  if (dimension !== undefined && dimension !== variables.length) {
    r.fault(node, PA.dimension, `dimension ${dimension} differs from the ${variables.length} variables listed`);
  }
  if (variables.length === 0) r.fault(node, PA.variables, 'the variable list is empty');
  return variables;
}

/** Bins sorted by lower bound; overlapping neighbours are a fault of the aggregate. */
export function readBins(r: Reader, owner: Term, nodes: Term[]): Bin[] {
  const bins = nodes.map((b) => ({ lower: r.number(b, PA.lower), upper: r.number(b, PA.upper) })).sort((a, b) => a.lower - b.lower);
  for (let i = 1; i < bins.length; i++) {
    const [a, b] = [bins[i - 1], bins[i]];
    if (a.upper > b.lower) {
      r.fault(owner, PA.bin, `bins [${a.lower}, ${a.upper}) and [${b.lower}, ${b.upper}) overlap`);
    }
  }
  return bins;
}

function readGroupBy(r: Reader, node: Term): GroupBy {
  const keys = r.list(node, PA.keys).map((t) => r.asString(node, PA.keys, t));
  if (keys.length === 0) r.fault(node, PA.keys, 'the key domain is empty');
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) r.fault(node, PA.keys, `key ${JSON.stringify(duplicate)} is listed twice`);
  return { variable: stripMark(r.string(node, PA.variable)), keys };
}


export function serializeQuery(q: AggregationQuery): string {
  const doc = new TurtleDoc();
  const s = iri(q.id);
  doc
    .add(s, RDF.type, iri(PA.AggregationQuery))
    .add(s, DCTERMS.title, str(q.title))
    .add(s, PA.querier, iri(q.querier))
    .add(s, PA.population, iri(q.population))
    .add(s, DPV.hasPurpose, ...q.purposes.map(iri))
    .add(s, PA.minContributors, int(q.minContributors))
    .add(s, PA.deadline, dateTime(q.deadline))
    .add(s, PA.expectedSelectivity, num(q.expectedSelectivity))
    .add(s, PA.hideParticipation, q.hideParticipation ? bool(true) : undefined)
    .add(s, PA.validateContributions, q.validated ? bool(true) : undefined)
    .add(s, PA.plan, q.plan === undefined ? undefined : iri(q.plan))
    .add(s, PA.nonce, q.nonce === undefined ? undefined : str(q.nonce))
    .add(s, PA.fixedParams, q.fixedParams === undefined ? undefined : blank(...paramPairs(q.fixedParams)))
    .add(s, DPV.hasTechnicalMeasure, q.differentialPrivacy === undefined ? undefined : writeDifferentialPrivacy(q.differentialPrivacy))
    .add(s, PA.selection, str(q.selection))
    .add(s, PA.aggregate, ...q.aggregates.map((a) => iri(a.id)));
  for (const a of q.aggregates) writeAggregate(doc, a);
  return doc.toString();
}

function writeAggregate(doc: TurtleDoc, a: AggregateSpec): void {
  const s = iri(a.id);
  doc.add(s, RDF.type, iri(PA[a.kind]));
  switch (a.kind) {
    case 'Count':
      break;
    case 'Sum':
    case 'Mean':
    case 'Variance':
    case 'SampleVariance':
      doc.add(s, PA.variable, str(a.variable));
      writeBounds(doc, s, a);
      break;
    case 'Histogram':
      doc.add(s, PA.variable, str(a.variable)).add(s, PA.bin, ...a.bins.map((b) => blank([PA.lower, num(b.lower)], [PA.upper, num(b.upper)])));
      break;
    case 'VectorSum':
      doc.add(s, PA.variables, list(a.variables.map(str))).add(s, PA.dimension, int(a.variables.length));
      writeBounds(doc, s, a);
      break;
    case 'Training':
    case 'Evaluation':
      doc.add(s, PA.trainer, writeTrainer(a.trainer)).add(s, PA.model, a.model === undefined ? undefined : iri(a.model));
      break;
  }
  doc
    .add(s, PA.groupBy, a.groupBy && blank([PA.variable, str(a.groupBy.variable)], [PA.keys, list(a.groupBy.keys.map(str))]))
    .add(s, PA.unit, iri(a.unit === 'rows' ? PA.Rows : PA.People))
    .add(s, PA.maxRows, a.maxRows === undefined ? undefined : int(a.maxRows));
}

function writeBounds(doc: TurtleDoc, s: Term, a: BoundedSpec): void {
  doc.add(s, PA.lower, num(a.lower)).add(s, PA.upper, num(a.upper)).add(s, PA.precision, a.precision === undefined ? undefined : int(a.precision));
}

/**
 * Checks that depend on the moment, on a contributor's scope or on the release rule, not on
 * the document alone: a deadline in the past, FROM outside the data scope, a sample
 * variance that the minimum number of contributors would let be released over one value.
 */
export function checkQuery(q: AggregationQuery, options: { now?: Date; dataScope?: string[] } = {}): string[] {
  const problems: string[] = [];
  const now = options.now ?? new Date();
  if (Date.parse(q.deadline) <= now.getTime()) {
    problems.push(`<${q.id}> pa:deadline: the deadline ${q.deadline} is in the past`);
  }
  if (q.minContributors < 2) {
    for (const a of q.aggregates.filter((a) => a.kind === 'SampleVariance')) {
      problems.push(`<${a.id}> rdf:type: a pa:SampleVariance needs at least two values, but pa:minContributors ${q.minContributors} releases a result of one contributor; raise it to 2, or use pa:Variance (the population variance)`);
    }
  }
  if (options.dataScope) {
    for (const p of selectionProblems(q.selection, q.aggregates, options.dataScope)) {
      problems.push(`<${p.subject ?? q.id}> ${compactIri(p.property)}: ${p.message}`);
    }
  }
  return problems;
}
