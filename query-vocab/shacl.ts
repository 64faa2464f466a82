// SHACL validation of every document read, against shapes.ttl, turned into readable
// sentences that name the node and property at fault.
import { readFileSync } from 'node:fs';
import { Parser, Store, DataFactory, type Term } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import type { Graph } from './graph.ts';
import type { Reader } from './reader.ts';
import { RDF, SH, compactIri } from './terms.ts';

const SHAPES_URL = new URL('./shapes.ttl', import.meta.url);

let cached: { validator: SHACLValidator; shapes: Store } | undefined;

/** The shapes graph as Turtle (served next to the ontology). */
export function shapesTurtle(): string {
  return readFileSync(SHAPES_URL, 'utf8');
}

function load(): { validator: SHACLValidator; shapes: Store } {
  if (!cached) {
    const quads = new Parser({ baseIRI: SHAPES_URL.href }).parse(shapesTurtle());
    const shapes = new Store(quads);
    cached = { validator: new SHACLValidator(shapes as never), shapes };
  }
  return cached;
}

/**
 * Validates a graph and records one problem per violation in the reader. Runs the
 * validation engine directly, because `validate()` is async only to resolve owl:imports,
 * which our shapes do not use; this keeps every parse synchronous.
 */
export function validateShapes(graph: Graph, reader: Reader): void {
  const { validator, shapes } = load();
  // N3's indexed store: the validator's default dataset made most of the cost of a large plan.
  const dataset = new Store(graph.quads);
  validator.$data = validator.factory.clownface({ dataset });
  validator.validationEngine.validateAll(validator.$data);
  const report = validator.validationEngine.getReport();
  // One complaint per value: "ten" as a count is not an integer; that it is not ≥ 1 is noise.
  const seen = new Set<string>();
  for (const result of report.results) {
    const focus = result.focusNode as Term;
    const path = result.path as Term | null;
    const property = path?.termType === 'NamedNode' ? path.value : 'sh:path';
    const key = `${graph.describe(focus)} ${property} ${result.value ? JSON.stringify(result.value) : ''}`;
    if (result.value && seen.has(key)) continue;
    seen.add(key);
    const shape = result.sourceShape as Term;
    const message = explain(shapes, graph, shape, result.sourceConstraintComponent.value, focus, property, (result.value ?? undefined) as Term | undefined);
    reader.fault(focus, property, message);
  }
}

function param(shapes: Store, shape: Term, p: string): Term | undefined {
  return shapes.getObjects(shape as never, DataFactory.namedNode(p), null)[0];
}

function explain(shapes: Store, graph: Graph, shape: Term, component: string, focus: Term, property: string, value: Term | undefined): string {
  const shown = value ? show(value) : '';
  const p = (name: string): string => {
    const t = param(shapes, shape, name);
    return t ? (t.termType === 'Literal' ? t.value : compactIri(t.value)) : '?';
  };
  const custom = param(shapes, shape, SH.message);
  if (custom) {
    const other = param(shapes, shape, SH.lessThan) ?? param(shapes, shape, SH.lessThanOrEquals);
    const otherValue = other ? graph.objects(focus, other.value)[0] : undefined;
    return custom.value.replaceAll('{value}', shown).replaceAll('{other}', otherValue ? show(otherValue) : '?');
  }
  switch (component) {
    case SH.MinCountConstraintComponent:
      return p(SH.minCount) === '1' ? 'a value is required but missing' : `needs at least ${p(SH.minCount)} values`;
    case SH.MaxCountConstraintComponent:
      return `has ${graph.objects(focus, property).length} values where at most ${p(SH.maxCount)} ${p(SH.maxCount) === '1' ? 'is' : 'are'} allowed`;
    case SH.DatatypeConstraintComponent:
      return `value ${shown} is not a valid ${p(SH.datatype)}`;
    case SH.NodeKindConstraintComponent:
      return `value ${shown} must be ${({ 'sh:IRI': 'an IRI', 'sh:Literal': 'a literal', 'sh:BlankNodeOrIRI': 'an IRI or a [ … ] node' } as Record<string, string>)[p(SH.nodeKind)] ?? p(SH.nodeKind)}`;
    case SH.ClassConstraintComponent:
      return `value ${shown} is not a ${p(SH.class)}`;
    case SH.InConstraintComponent:
      return `value ${shown} is not one of ${inList(shapes, shape).join(', ')}`;
    case SH.MinInclusiveConstraintComponent:
      return `value ${shown} is below the minimum ${p(SH.minInclusive)}`;
    case SH.MaxInclusiveConstraintComponent:
      return `value ${shown} is above the maximum ${p(SH.maxInclusive)}`;
    case SH.MinExclusiveConstraintComponent:
      return `value ${shown} must be greater than ${p(SH.minExclusive)}`;
    case SH.MaxExclusiveConstraintComponent:
      return `value ${shown} must be less than ${p(SH.maxExclusive)}`;
    case SH.LessThanConstraintComponent:
      return `value ${shown} is not below ${p(SH.lessThan)}`;
    case SH.LessThanOrEqualsConstraintComponent:
      return `value ${shown} is above ${p(SH.lessThanOrEquals)}`;
    case SH.PatternConstraintComponent:
      return `value ${shown} does not match /${p(SH.pattern)}/`;
    case SH.MinLengthConstraintComponent:
      return `value ${shown} is shorter than ${p(SH.minLength)} characters`;
    case SH.MaxLengthConstraintComponent:
      return `value ${shown} is longer than ${p(SH.maxLength)} characters`;
    default:
      return `value ${shown} violates ${compactIri(component)}`;
  }
}

function inList(shapes: Store, shape: Term): string[] {
  const out: string[] = [];
  let node = param(shapes, shape, SH.in);
  const first = DataFactory.namedNode(RDF.first);
  const rest = DataFactory.namedNode(RDF.rest);
  while (node && node.termType === 'BlankNode' && out.length < 100) {
    const item = shapes.getObjects(node as never, first, null)[0];
    if (item) out.push(item.termType === 'Literal' ? JSON.stringify(item.value) : compactIri(item.value));
    node = shapes.getObjects(node as never, rest, null)[0];
  }
  return out;
}

function show(t: Term): string {
  if (t.termType === 'NamedNode') return compactIri(t.value);
  if (t.termType === 'Literal') return /^[-+.\dEe]+$/.test(t.value) && t.value !== '' ? t.value : JSON.stringify(t.value);
  return 'a [ … ] node';
}

