// A parsed RDF document with the few lookups the parsers need, and the rule for naming a
// node in an error message: IRIs as <…>, blank nodes by the path that reaches them.
import { Parser, type Quad, type Term } from 'n3';
import { VocabError } from './errors.ts';
import { RDF, compactIri } from './terms.ts';

/** A key identifying a subject or object term. */
export function termKey(t: Term): string {
  return t.termType === 'BlankNode' ? `_:${t.value}` : t.termType === 'NamedNode' ? t.value : JSON.stringify(t);
}

export class Graph {
  readonly quads: Quad[];
  private readonly bySubject = new Map<string, Quad[]>();
  private readonly byObject = new Map<string, Quad[]>();

  constructor(quads: Quad[]) {
    this.quads = quads;
    for (const q of quads) {
      push(this.bySubject, termKey(q.subject), q);
      if (q.object.termType !== 'Literal') push(this.byObject, termKey(q.object), q);
    }
  }

  /** Parses Turtle against a base IRI; a syntax error becomes a VocabError naming the document. */
  static parse(turtle: string, baseIri: string): Graph {
    try {
      return new Graph(new Parser({ baseIRI: baseIri, format: 'text/turtle' }).parse(turtle));
    } catch (e) {
      throw new VocabError([`<${baseIri}>: Turtle syntax error: ${(e as Error).message}`]);
    }
  }

  /** Objects of (s, p, ?), in document order. */
  objects(s: Term, p: string): Term[] {
    return (this.bySubject.get(termKey(s)) ?? []).filter((q) => q.predicate.value === p).map((q) => q.object);
  }

  /** Every subject typed with the class, in document order. */
  instancesOf(cls: string): Term[] {
    const seen = new Set<string>();
    const out: Term[] = [];
    for (const q of this.quads) {
      if (q.predicate.value === RDF.type && q.object.value === cls && !seen.has(termKey(q.subject))) {
        seen.add(termKey(q.subject));
        out.push(q.subject);
      }
    }
    return out;
  }

  /** The members of the RDF list starting at head, or undefined if it is not a well-formed list. */
  list(head: Term): Term[] | undefined {
    const items: Term[] = [];
    const seen = new Set<string>();
    let node = head;
    while (!(node.termType === 'NamedNode' && node.value === RDF.nil)) {
      if (node.termType !== 'BlankNode' || seen.has(node.value)) return undefined;
      seen.add(node.value);
      const first = this.objects(node, RDF.first);
      const rest = this.objects(node, RDF.rest);
      if (first.length !== 1 || rest.length !== 1) return undefined;
      items.push(first[0]);
      node = rest[0];
    }
    return items;
  }

  /** Names a node for an error message: `<iri>`, or `<owner>/pa:prop[n]` for a blank node. */
  describe(node: Term, depth = 0): string {
    if (node.termType === 'NamedNode') return `<${node.value}>`;
    if (node.termType === 'Literal') return JSON.stringify(node.value);
    const incoming = this.byObject.get(termKey(node)) ?? [];
    if (depth > 8 || incoming.length === 0) return `_:${node.value}`;
    const q = incoming[0];
    if (q.predicate.value === RDF.first) return this.describeListItem(q.subject, depth);
    if (q.predicate.value === RDF.rest) return this.describe(q.subject, depth + 1);
    const siblings = this.objects(q.subject, q.predicate.value);
    const index = siblings.length > 1 ? `[${siblings.findIndex((t) => t.equals(node)) + 1}]` : '';
    return `${this.describe(q.subject, depth + 1)}/${compactIri(q.predicate.value)}${index}`;
  }

  private describeListItem(cell: Term, depth: number): string {
    let index = 1;
    let head = cell;
    for (;;) {
      const back = (this.byObject.get(termKey(head)) ?? []).find((q) => q.predicate.value === RDF.rest);
      if (!back || index > 100_000) break;
      head = back.subject;
      index++;
    }
    const owner = (this.byObject.get(termKey(head)) ?? [])[0];
    if (!owner || depth > 8) return `_:${cell.value}`;
    return `${this.describe(owner.subject, depth + 1)}/${compactIri(owner.predicate.value)}[${index}]`;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
