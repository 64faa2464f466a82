// IRIs as documents hold them: a fragment names a node inside the document it follows.

/** The document an IRI is in: the IRI without its fragment. */
export function documentOf(iri: string): string {
  const hash = iri.indexOf('#');
  return hash < 0 ? iri : iri.slice(0, hash);
}
