// A Turtle document's triples as comparable strings, to check what a write kept and added.
// Blank nodes (NSS's trusted-app entries) are named anew by every parse, so they compare as
// one anonymous node.
import type { Term } from 'n3';
import { Graph } from '../../query-vocab/index.ts';

export function tripleKeys(turtle: string, base: string): Set<string> {
  const term = (t: Term) => (t.termType === 'BlankNode' ? '_' : t.value);
  return new Set(Graph.parse(turtle, base).quads.map((q) => `${term(q.subject)} ${q.predicate.value} ${term(q.object)}`));
}
