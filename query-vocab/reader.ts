// Reads typed values out of a validated graph. Every problem is recorded (never thrown one
// by one), so a parser reports all of a document's faults at once.
import type { Term } from 'n3';
import { VocabError } from './errors.ts';
import type { Graph } from './graph.ts';
import { XSD, compactIri } from './terms.ts';

const INTEGER_TYPES = new Set([XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger]);
const NUMBER_TYPES = new Set([...INTEGER_TYPES, XSD.decimal, XSD.double, XSD.float]);
const DATE_TIME = /^-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class Reader {
  readonly graph: Graph;
  readonly problems: string[] = [];
  /** "node property" pairs already at fault: a second, generic complaint about one is noise. */
  private readonly faults = new Set<string>();

  constructor(graph: Graph) {
    this.graph = graph;
  }

  /** Records a problem: `<node> pa:prop: message`. */
  fault(node: Term | string, property: string, message: string): void {
    const name = typeof node === 'string' ? node : this.graph.describe(node);
    const prop = property.includes(':') && !property.startsWith('http') ? property : compactIri(property);
    this.faults.add(`${name} ${prop}`);
    const line = `${name} ${prop}: ${message}`;
    if (!this.problems.includes(line)) this.problems.push(line);
  }

  /** Records a generic problem unless the same node and property already have one. */
  private complain(node: Term, property: string, message: string): void {
    if (!this.faults.has(`${this.graph.describe(node)} ${compactIri(property)}`)) this.fault(node, property, message);
  }

  /** Throws every recorded problem, if any. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new VocabError(this.problems);
  }

  all(s: Term, p: string): Term[] {
    return this.graph.objects(s, p);
  }

  one(s: Term, p: string, optional = false): Term | undefined {
    const values = this.graph.objects(s, p);
    if (values.length === 0 && !optional) this.complain(s, p, 'a value is required but missing');
    if (values.length > 1) this.complain(s, p, `has ${values.length} values where one is allowed`);
    return values[0];
  }

  string(s: Term, p: string): string;
  string(s: Term, p: string, optional: true): string | undefined;
  string(s: Term, p: string, optional = false): string | undefined {
    const t = this.one(s, p, optional);
    if (t === undefined) return optional ? undefined : '';
    return this.asString(s, p, t);
  }

  asString(s: Term, p: string, t: Term): string {
    if (t.termType !== 'Literal') this.complain(s, p, `value ${this.graph.describe(t)} must be a literal`);
    return t.value;
  }

  integer(s: Term, p: string): number;
  integer(s: Term, p: string, optional: true): number | undefined;
  integer(s: Term, p: string, optional = false): number | undefined {
    const t = this.one(s, p, optional);
    return t === undefined ? (optional ? undefined : 0) : this.asInteger(s, p, t);
  }

  asInteger(s: Term, p: string, t: Term): number {
    const n = Number(t.value);
    if (t.termType !== 'Literal' || !INTEGER_TYPES.has(t.datatype.value) || !/^[+-]?\d+$/.test(t.value)) {
      this.complain(s, p, `value ${show(t)} is not an xsd:integer`);
    } else if (!Number.isSafeInteger(n)) {
      this.complain(s, p, `value ${t.value} is too large`);
    }
    return n;
  }

  number(s: Term, p: string): number;
  number(s: Term, p: string, optional: true): number | undefined;
  number(s: Term, p: string, optional = false): number | undefined {
    const t = this.one(s, p, optional);
    return t === undefined ? (optional ? undefined : 0) : this.asNumber(s, p, t);
  }

  asNumber(s: Term, p: string, t: Term): number {
    if (t.termType !== 'Literal' || !NUMBER_TYPES.has(t.datatype.value)) {
      this.complain(s, p, `value ${show(t)} is not a number`);
      return NaN;
    }
    const n = parseXsdNumber(t.value);
    if (Number.isNaN(n) && t.value !== 'NaN') this.complain(s, p, `value ${show(t)} is not a number`);
    return n;
  }

  boolean(s: Term, p: string): boolean {
    const t = this.one(s, p);
    if (t === undefined) return false;
    if (t.termType !== 'Literal' || t.datatype.value !== XSD.boolean || !/^(true|false|1|0)$/.test(t.value)) {
      this.complain(s, p, `value ${show(t)} is not an xsd:boolean`);
    }
    return t.value === 'true' || t.value === '1';
  }

  dateTime(s: Term, p: string): string;
  dateTime(s: Term, p: string, optional: true): string | undefined;
  dateTime(s: Term, p: string, optional = false): string | undefined {
    const t = this.one(s, p, optional);
    if (t === undefined) return optional ? undefined : '';
    if (t.termType !== 'Literal' || t.datatype.value !== XSD.dateTime || !DATE_TIME.test(t.value) || Number.isNaN(Date.parse(t.value))) {
      this.complain(s, p, `value ${show(t)} is not an xsd:dateTime`);
    }
    return t.value;
  }

  iri(s: Term, p: string): string;
  iri(s: Term, p: string, optional: true): string | undefined;
  iri(s: Term, p: string, optional = false): string | undefined {
    const t = this.one(s, p, optional);
    if (t === undefined) return optional ? undefined : '';
    return this.asIri(s, p, t);
  }

  asIri(s: Term, p: string, t: Term): string {
    if (t.termType !== 'NamedNode') this.complain(s, p, `value ${show(t)} must be an IRI`);
    return t.value;
  }

  iris(s: Term, p: string): string[] {
    return this.all(s, p).map((t) => this.asIri(s, p, t));
  }

  bytes(s: Term, p: string): Uint8Array {
    const t = this.one(s, p);
    if (t === undefined) return new Uint8Array(0);
    if (t.termType !== 'Literal' || t.datatype.value !== XSD.base64Binary || !BASE64.test(t.value)) {
      this.complain(s, p, `value is not an xsd:base64Binary`);
      return new Uint8Array(0);
    }
    return new Uint8Array(Buffer.from(t.value, 'base64'));
  }

  /** The items of the RDF list that is the single value of (s, p). */
  list(s: Term, p: string): Term[];
  list(s: Term, p: string, optional: true): Term[] | undefined;
  list(s: Term, p: string, optional = false): Term[] | undefined {
    const head = this.one(s, p, optional);
    if (head === undefined) return optional ? undefined : [];
    const items = this.graph.list(head);
    if (!items) {
      this.complain(s, p, 'value must be an RDF list, e.g. ( "a" "b" )');
      return [];
    }
    return items;
  }
}

/** Parses an xsd numeric lexical form (INF, -INF and NaN included). */
export function parseXsdNumber(lexical: string): number {
  const v = lexical.trim();
  if (v === 'INF' || v === '+INF') return Infinity;
  if (v === '-INF') return -Infinity;
  if (v === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return NaN;
  return Number(v);
}

function show(t: Term): string {
  if (t.termType !== 'Literal') return t.termType === 'NamedNode' ? `<${t.value}>` : 'a blank node';
  return `${JSON.stringify(t.value)}${t.datatype.value === XSD.string ? '' : `^^${compactIri(t.datatype.value)}`}`;
}
