// An agent's presence document: who it is for and when it was last rewritten. Readers
// trust the server's Last-Modified rather than this timestamp (no clock skew between agents).
import { DataFactory } from 'n3';
import { DCTERMS, PA, RDF } from './terms.ts';
import { TurtleDoc, dateTime, iri } from './write.ts';

export function serializePresence(url: string, webId: string, at: Date): string {
  const self = DataFactory.namedNode(url);
  return new TurtleDoc()
    .add(self, RDF.type, iri(PA.Presence))
    .add(self, PA.presenceOf, iri(webId))
    .add(self, DCTERMS.modified, dateTime(at.toISOString()))
    .toString();
}
