// Builds Turtle with n3's Writer: nested blank nodes and lists stay nested, and only the
// prefixes a document uses are declared.
import { DataFactory, Writer, type Term } from 'n3';
import { PREFIXES, XSD } from './terms.ts';

const { namedNode } = DataFactory;

/** An object position: a term, a nested blank node `[ p o ; … ]`, or a list `( … )`. */
export type Obj = Term | { blank: Array<[string, Obj]> } | { list: Obj[] };

export const iri = (value: string): Term => namedNode(value);
export const str = (value: string): Term => DataFactory.literal(value);
export const int = (value: number): Term => DataFactory.literal(String(value), namedNode(XSD.integer));
export const bool = (value: boolean): Term => DataFactory.literal(String(value), namedNode(XSD.boolean));
export const dateTime = (value: string): Term => DataFactory.literal(value, namedNode(XSD.dateTime));
export const bytes = (value: Uint8Array): Term => DataFactory.literal(Buffer.from(value).toString('base64'), namedNode(XSD.base64Binary));

/** A number that parses back to exactly itself: xsd:integer when it is one, else xsd:double. */
export function num(value: number): Term {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return int(value);
  if (/^-?\d+\.\d+$/.test(String(value))) return DataFactory.literal(String(value), namedNode(XSD.decimal));
  const lexical = Number.isNaN(value) ? 'NaN' : value === Infinity ? 'INF' : value === -Infinity ? '-INF' : Object.is(value, -0) ? '-0.0E0' : String(value);
  return DataFactory.literal(lexical, namedNode(XSD.double));
}

export const blank = (...pairs: Array<[string, Obj | undefined]>): Obj => ({
  blank: pairs.filter((p): p is [string, Obj] => p[1] !== undefined),
});
export const list = (items: Obj[]): Obj => ({ list: items });

export class TurtleDoc {
  private readonly triples: Array<[Term, string, Obj]> = [];

  /** Adds (s, p, o) for each defined object; undefined objects are skipped (optional fields). */
  add(subject: Term, predicate: string, ...objects: Array<Obj | undefined>): this {
    for (const o of objects) if (o !== undefined) this.triples.push([subject, predicate, o]);
    return this;
  }

  toString(): string {
    const used = new Set<string>();
    const visit = (o: Obj): void => {
      if ('blank' in o) o.blank.forEach(([p, v]) => (used.add(p), visit(v)));
      else if ('list' in o) o.list.forEach(visit);
      else if (o.termType === 'NamedNode') used.add(o.value);
      else if (o.termType === 'Literal') used.add(o.datatype.value);
    };
    for (const [s, p, o] of this.triples) (visit(s), used.add(p), visit(o));
    const prefixes = Object.fromEntries(
      Object.entries(PREFIXES).filter(([, base]) => [...used].some((u) => u.startsWith(base) && u !== base)),
    );
    const writer = new Writer({ prefixes });
    const toTerm = (o: Obj): Term => {
      if ('blank' in o) return writer.blank(o.blank.map(([p, v]) => ({ predicate: namedNode(p), object: toTerm(v) })) as never) as unknown as Term;
      if ('list' in o) return writer.list(o.list.map(toTerm) as never) as unknown as Term;
      return o;
    };
    for (const [s, p, o] of this.triples) writer.addQuad(s as never, namedNode(p), toTerm(o) as never);
    let out = '';
    writer.end((error, result: string) => {
      if (error) throw error;
      out = result;
    });
    return out;
  }
}

/** A literal of any datatype, e.g. sec:multibase. */
export const literal = (value: string, datatype: string): Term => DataFactory.literal(value, namedNode(datatype));
