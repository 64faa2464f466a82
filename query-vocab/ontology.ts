// The ontology as served at its namespace: Turtle as written, or JSON-LD (flattened, with
// the project's prefixes as context) for clients that ask for application/ld+json.
import { readFileSync } from 'node:fs';
import { Parser, type Term } from 'n3';
import { PREFIXES, RDF, XSD, compactIri } from './terms.ts';

const ONTOLOGY_URL = new URL('./podagg.ttl', import.meta.url);

export function ontologyTurtle(): string {
  return readFileSync(ONTOLOGY_URL, 'utf8');
}

type JsonLdNode = Record<string, unknown> & { '@id': string };

/** The ontology as a JSON-LD object (serialise with JSON.stringify). */
export function ontologyJsonLd(): { '@context': Record<string, string>; '@graph': JsonLdNode[] } {
  return turtleToJsonLd(ontologyTurtle(), ONTOLOGY_URL.href);
}

/** Any Turtle document as flattened JSON-LD with the project's prefixes as context. */
export function turtleToJsonLd(turtle: string, baseIri: string): { '@context': Record<string, string>; '@graph': JsonLdNode[] } {
  const nodes = new Map<string, JsonLdNode>();
  const id = (t: Term): string => (t.termType === 'BlankNode' ? `_:${t.value}` : compact(t.value));
  for (const q of new Parser({ baseIRI: baseIri }).parse(turtle)) {
    const key = id(q.subject);
    const node = nodes.get(key) ?? { '@id': key };
    nodes.set(key, node);
    if (q.predicate.value === RDF.type && q.object.termType === 'NamedNode') {
      node['@type'] = [...((node['@type'] as string[] | undefined) ?? []), compact(q.object.value)];
      continue;
    }
    const p = compact(q.predicate.value);
    const o = q.object;
    const value =
      o.termType !== 'Literal'
        ? { '@id': id(o) }
        : o.language
          ? { '@value': o.value, '@language': o.language }
          : o.datatype.value === XSD.string
            ? { '@value': o.value }
            : { '@value': o.value, '@type': compact(o.datatype.value) };
    node[p] = [...((node[p] as unknown[] | undefined) ?? []), value];
  }
  return { '@context': { ...PREFIXES }, '@graph': [...nodes.values()] };
}

/** A compact IRI `pa:Mean` where a prefix applies, else the full IRI. */
function compact(iri: string): string {
  const c = compactIri(iri);
  return c.startsWith('<') ? iri : c;
}
