// The query document: what a querier writes by hand, strict to read.
import { DataFactory, type Quad, type Term } from 'n3';
import { openGraph } from './document.ts';
import { Graph } from './graph.ts';
import { paramPairs, readParams } from './params.ts';
import type { Reader } from './reader.ts';
import { selectionProblems } from './sparql-check.ts';
import { DCTERMS, DPV, PA, RDF, compactIri } from './terms.ts';
import type { AggregateKind, AggregateSpec, AggregationQuery, Bin, GroupBy } from './types.ts';
import { TurtleDoc, blank, dateTime, int, iri, list, num, str, type Obj } from './write.ts';
import { documentOf } from './iri.ts';

export const AGGREGATE_KINDS: readonly AggregateKind[] = ['Count', 'Sum', 'Mean', 'Variance', 'Histogram', 'VectorSum'];

/** Defaults a querier may leave out. */
export const QUERY_DEFAULTS = { unit: 'people', precision: 0, maxRows: 1000, expectedSelectivity: 1 } as const;

/** Kinds that clip to declared bounds and so carry a fixed-point precision. */
const BOUNDED: ReadonlySet<AggregateKind> = new Set(['Sum', 'Mean', 'Variance', 'VectorSum']);

export function parseQuery(turtle: string, baseIri: string): AggregationQuery {
  const { reader: r, node } = openGraph(nameAggregates(Graph.parse(turtle, baseIri), baseIri), baseIri, PA.AggregationQuery);
  const aggregates = r.all(node, PA.aggregate).filter((a) => a.termType === 'NamedNode').map((a) => readAggregate(r, a));
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
  };
  const plan = r.iri(node, PA.plan, true);
  if (plan !== undefined) query.plan = plan;
  const nonce = r.string(node, PA.nonce, true);
  if (nonce !== undefined) query.nonce = nonce;
  const fixed = r.one(node, PA.fixedParams, true);
  if (fixed) query.fixedParams = readParams(r, fixed);
  if (r.graph.objects(node, PA.selection).length === 1) {
    for (const p of selectionProblems(query.selection, aggregates)) {
      r.fault(p.subject ? DataFactory.namedNode(p.subject) : node, p.property, p.message);
    }
  }
  r.throwIfAny();
  return query;
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
  const unitIri = r.iri(node, PA.unit, true);
  const spec: AggregateSpec = { id: node.value, kind, unit: unitIri === PA.Rows ? 'rows' : 'people' };
  const variable = r.string(node, PA.variable, true);
  if (variable !== undefined) spec.variable = stripMark(variable);
  const variables = r.list(node, PA.variables, true);
  if (variables !== undefined) {
    spec.variables = variables.map((t) => stripMark(r.asString(node, PA.variables, t)));
    const dimension = r.integer(node, PA.dimension, true);
    if (dimension !== undefined && dimension !== spec.variables.length) {
      r.fault(node, PA.dimension, `dimension ${dimension} differs from the ${spec.variables.length} variables listed`);
    }
    if (spec.variables.length === 0) r.fault(node, PA.variables, 'the variable list is empty');
  }
  const lower = r.number(node, PA.lower, true);
  if (lower !== undefined) spec.lower = lower;
  const upper = r.number(node, PA.upper, true);
  if (upper !== undefined) spec.upper = upper;
  const precision = r.integer(node, PA.precision, true);
  if (precision !== undefined) spec.precision = precision;
  else if (BOUNDED.has(kind)) spec.precision = QUERY_DEFAULTS.precision;
  const binNodes = r.all(node, PA.bin);
  if (binNodes.length > 0 || kind === 'Histogram') spec.bins = readBins(r, node, binNodes);
  const groupBy = r.one(node, PA.groupBy, true);
  if (groupBy) spec.groupBy = readGroupBy(r, groupBy);
  const maxRows = r.integer(node, PA.maxRows, true);
  if (maxRows !== undefined) spec.maxRows = maxRows;
  else if (spec.unit === 'rows') spec.maxRows = QUERY_DEFAULTS.maxRows;
  return spec;
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

/** Accepts `steps`, `?steps` or `$steps` for a SELECT variable. */
function stripMark(name: string): string {
  return name.replace(/^[?$]/, '');
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
    .add(s, PA.plan, q.plan === undefined ? undefined : iri(q.plan))
    .add(s, PA.nonce, q.nonce === undefined ? undefined : str(q.nonce))
    .add(s, PA.fixedParams, q.fixedParams === undefined ? undefined : blank(...paramPairs(q.fixedParams)))
    .add(s, PA.selection, str(q.selection))
    .add(s, PA.aggregate, ...q.aggregates.map((a) => iri(a.id)));
  for (const a of q.aggregates) writeAggregate(doc, a);
  return doc.toString();
}

function writeAggregate(doc: TurtleDoc, a: AggregateSpec): void {
  const s = iri(a.id);
  const opt = <T>(v: T | undefined, f: (v: T) => Obj): Obj | undefined => (v === undefined ? undefined : f(v));
  doc
    .add(s, RDF.type, iri(PA[a.kind]))
    .add(s, PA.variable, opt(a.variable, str))
    .add(s, PA.variables, opt(a.variables, (vs) => list(vs.map(str))))
    .add(s, PA.dimension, opt(a.variables, (vs) => int(vs.length)))
    .add(s, PA.lower, opt(a.lower, num))
    .add(s, PA.upper, opt(a.upper, num))
    .add(s, PA.precision, opt(a.precision, int))
    .add(s, PA.bin, ...(a.bins ?? []).map((b) => blank([PA.lower, num(b.lower)], [PA.upper, num(b.upper)])))
    .add(s, PA.groupBy, opt(a.groupBy, (g) => blank([PA.variable, str(g.variable)], [PA.keys, list(g.keys.map(str))])))
    .add(s, PA.unit, iri(a.unit === 'rows' ? PA.Rows : PA.People))
    .add(s, PA.maxRows, opt(a.maxRows, int));
}

/**
 * Checks that depend on the moment or on a contributor's scope, not on the document alone:
 * a deadline in the past, FROM outside the data scope.
 */
export function checkQuery(q: AggregationQuery, options: { now?: Date; dataScope?: string[] } = {}): string[] {
  const problems: string[] = [];
  const now = options.now ?? new Date();
  if (Date.parse(q.deadline) <= now.getTime()) {
    problems.push(`<${q.id}> pa:deadline: the deadline ${q.deadline} is in the past`);
  }
  if (options.dataScope) {
    for (const p of selectionProblems(q.selection, q.aggregates, options.dataScope)) {
      problems.push(`<${p.subject ?? q.id}> ${compactIri(p.property)}: ${p.message}`);
    }
  }
  return problems;
}
