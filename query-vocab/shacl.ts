// SHACL validation of every document read, against shapes.ttl, turned into readable
// sentences that name the node and property at fault.
import { readFileSync } from 'node:fs';
import { Parser, Store, DataFactory, type Term } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import type { Graph } from './graph.ts';
import type { Reader } from './reader.ts';
import { RDF, RDFS, SH, compactIri } from './terms.ts';

const SHAPES_URL = new URL('./shapes.ttl', import.meta.url);

/** A shape the engine starts from, and what in a document can make it a target. */
interface Targeted {
  shape: unknown;
  classes: string[];
  predicates: string[];
  /** No target by class or predicate (sh:targetNode, sh:target, an implicit class target): always run. */
  always: boolean;
}

/** The engine's list of shapes it starts from, which it computes once and keeps. */
interface ShapesGraph {
  shapesWithTarget: Array<{ shapeNode: Term }>;
  _shapesWithTarget: unknown[];
}

let cached: { validator: SHACLValidator; shapes: Store; targeted: Targeted[] } | undefined;

/** The shapes graph as Turtle (served next to the ontology). */
export function shapesTurtle(): string {
  return readFileSync(SHAPES_URL, 'utf8');
}

function load(): NonNullable<typeof cached> {
  if (!cached) {
    const quads = new Parser({ baseIRI: SHAPES_URL.href }).parse(shapesTurtle());
    const shapes = new Store(quads);
    const validator = new SHACLValidator(shapes as never);
    const objects = (node: Term, p: string) => shapes.getObjects(node as never, DataFactory.namedNode(p), null).map((t) => t.value);
    const targeted = shapesGraphOf(validator).shapesWithTarget.map((shape) => {
      const classes = objects(shape.shapeNode, SH.targetClass);
      const predicates = [...objects(shape.shapeNode, SH.targetObjectsOf), ...objects(shape.shapeNode, SH.targetSubjectsOf)];
      // Any other kind of target (sh:targetNode, sh:target, the shape being a class itself) is not pruned.
      const other = [SH.targetNode, SH.target].some((p) => objects(shape.shapeNode, p).length > 0) || objects(shape.shapeNode, RDF.type).some((t) => t !== SH.NodeShape && t !== SH.PropertyShape);
      return { shape, classes, predicates, always: other || classes.length + predicates.length === 0 };
    });
    cached = { validator, shapes, targeted };
  }
  return cached;
}

function shapesGraphOf(validator: SHACLValidator): ShapesGraph {
  return (validator.validationEngine as unknown as { context: { shapesGraph: ShapesGraph } }).context.shapesGraph;
}

/**
 * The shapes that can target something in the graph. The engine otherwise looks for the
 * targets of every shape in every document: 80 % of the time a message took to validate.
 * A graph that declares subclasses may make any class target: then every shape is kept.
 */
function shapesFor(graph: Graph, targeted: Targeted[]): unknown[] {
  const predicates = new Set(graph.quads.map((q) => q.predicate.value));
  if (predicates.has(RDFS.subClassOf)) return targeted.map((t) => t.shape);
  const classes = new Set(graph.quads.filter((q) => q.predicate.value === RDF.type).map((q) => q.object.value));
  return targeted.filter((t) => t.always || t.classes.some((c) => classes.has(c)) || t.predicates.some((p) => predicates.has(p))).map((t) => t.shape);
}

/**
 * Validates a graph and records one problem per violation in the reader. Runs the
 * validation engine directly, because `validate()` is async only to resolve owl:imports,
 * which our shapes do not use; this keeps every parse synchronous.
 */
export function validateShapes(graph: Graph, reader: Reader): void {
  const { validator, shapes, targeted } = load();
  // N3's indexed store: the validator's default dataset made most of the cost of a large plan.
  const dataset = new Store(graph.quads);
  validator.$data = validator.factory.clownface({ dataset });
  shapesGraphOf(validator)._shapesWithTarget = shapesFor(graph, targeted);
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

