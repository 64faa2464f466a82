// Reading an LDP container listing: the resources it contains.

import { DataFactory } from 'n3';
import { Graph } from './graph.ts';
import { LDP } from './terms.ts';

export function containerMembers(turtle: string, containerUrl: string): string[] {
  const graph = Graph.parse(turtle, containerUrl);
  return graph.objects(DataFactory.namedNode(containerUrl), LDP.contains).map((t) => t.value);
}
