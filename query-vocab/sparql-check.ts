// Static checks of a query's selection (a SPARQL SELECT over one pod): it must parse, be a
// SELECT, bind every variable the aggregates read, and reach nothing outside the pod.
import sparqljs from 'sparqljs';
import type { AggregateSpec } from './types.ts';
import { PA, compactIri } from './terms.ts';
import { valueVariables } from './variables.ts';

/** A problem with a selection; `subject` is the aggregate at fault, if it is one. */
export interface SelectionProblem {
  subject?: string;
  property: string;
  message: string;
}

/** The variables an aggregate reads, each with the property that names it. */
function readVariables(a: AggregateSpec): Array<[string, string]> {
  if (a.kind === 'Training' || a.kind === 'Evaluation') {
    const input = a.trainer.input;
    const read = input.kind === 'tokens' ? [input.variable] : input.variables;
    return [...read.map((v): [string, string] => [v, input.kind === 'tokens' ? PA.variable : PA.variables]), [a.trainer.label, PA.label]];
  }
  const property = a.kind === 'VectorSum' ? PA.variables : PA.variable;
  const out = valueVariables(a).map((v): [string, string] => [v, property]);
  if (a.groupBy) out.push([a.groupBy.variable, PA.groupBy]);
  return out;
}

export function selectionProblems(selection: string, aggregates: AggregateSpec[], dataScope?: string[]): SelectionProblem[] {
  const problems: SelectionProblem[] = [];
  const add = (message: string): void => void problems.push({ property: PA.selection, message });
  let parsed: sparqljs.SparqlQuery;
  try {
    parsed = new sparqljs.Parser().parse(selection);
  } catch (e) {
    add(`SPARQL syntax error: ${oneLine((e as Error).message)}`);
    return problems;
  }
  if (parsed.type === 'update') {
    add('the selection is a SPARQL UPDATE; it must be a SELECT');
    return problems;
  }
  if (parsed.queryType !== 'SELECT') {
    add(`the selection is ${parsed.queryType === 'ASK' ? 'an' : 'a'} ${parsed.queryType} query; it must be a SELECT`);
    return problems;
  }
  if (containsService(parsed)) add('the selection uses SERVICE, which would query outside the pod');
  if (dataScope) {
    const from = [...(parsed.from?.default ?? []), ...(parsed.from?.named ?? [])];
    for (const graph of from) {
      if (!dataScope.some((scope) => graph.value.startsWith(scope))) {
        add(`FROM <${graph.value}> is outside the data scope`);
      }
    }
  }
  const projected = projectedVariables(parsed);
  for (const a of aggregates) {
    for (const [variable, property] of readVariables(a)) {
      if (!projected.has(variable)) {
        problems.push({ subject: a.id, property, message: `variable ?${variable} is not bound by the selection's SELECT clause` });
      }
    }
  }
  return problems;
}

/** The selection's problems as readable sentences, the aggregate-specific ones naming their node. */
export function checkSelection(selection: string, aggregates: AggregateSpec[], dataScope?: string[]): string[] {
  return selectionProblems(selection, aggregates, dataScope).map((p) =>
    p.subject ? `<${p.subject}> ${compactIri(p.property)}: ${p.message}` : `${compactIri(p.property)}: ${p.message}`,
  );
}

function projectedVariables(query: sparqljs.SelectQuery): Set<string> {
  const names = new Set<string>();
  for (const v of query.variables) {
    if ('termType' in v && v.termType === 'Wildcard') return allVariables(query.where ?? []);
    if ('termType' in v && v.termType === 'Variable') names.add(v.value);
    else if ('variable' in v) names.add(v.variable.value);
  }
  return names;
}

/** Every variable mentioned anywhere below a node (what SELECT * projects, near enough). */
function allVariables(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => allVariables(n, into));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.termType === 'Variable' && typeof o.value === 'string') into.add(o.value);
    Object.values(o).forEach((v) => allVariables(v, into));
  }
  return into;
}

/** True if a SERVICE pattern occurs anywhere: nested groups, OPTIONAL, UNION, subqueries, EXISTS. */
function containsService(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsService);
  if (!node || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  return o.type === 'service' || Object.values(o).some(containsService);
}

/** sparqljs errors span lines (position, excerpt, caret, expectation): keep the first and last. */
function oneLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : (lines[0] ?? 'unknown error');
}
