// What an IRI names, read off its syntax.

/** The document an IRI points into: the IRI without its fragment. */
export function documentOf(iri: string): string {
  return iri.split('#')[0];
}
