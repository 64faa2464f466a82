// The common first steps of every parser: Turtle → graph, find the one typed subject,
// validate against the shapes. The caller then reads fields and throws all problems at once.
import type { Term } from 'n3';
import { VocabError } from './errors.ts';
import { Graph } from './graph.ts';
import { Reader } from './reader.ts';
import { validateShapes } from './shacl.ts';
import { compactIri } from './terms.ts';

export interface Opened {
  graph: Graph;
  reader: Reader;
  node: Term;
}

/** Opens a parsed graph whose subject of interest is the single instance of `cls`. */
export function openGraph(graph: Graph, baseIri: string, cls: string): Opened {
  const nodes = graph.instancesOf(cls);
  if (nodes.length !== 1) {
    const found = nodes.length === 0 ? 'no' : `${nodes.length} (${nodes.map((n) => graph.describe(n)).join(', ')})`;
    throw new VocabError([`<${baseIri}> rdf:type: the document has ${found} ${compactIri(cls)}; exactly one is expected`]);
  }
  const reader = new Reader(graph);
  validateShapes(graph, reader);
  return { graph, reader, node: nodes[0] };
}

export function openDocument(turtle: string, baseIri: string, cls: string): Opened {
  return openGraph(Graph.parse(turtle, baseIri), baseIri, cls);
}
