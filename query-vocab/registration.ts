// A population member's registration: WebID, inbox and the two public keys as Multikeys.
import { DataFactory } from 'n3';
import { openDocument } from './document.ts';
import { multikeyNode, readKey } from './key-node.ts';
import { LDP, PA, RDF, SEC } from './terms.ts';
import type { Registration } from './types.ts';
import { TurtleDoc, bytes, iri } from './write.ts';

/** Parses a registration; its subject is the single pa:Registration in the document. */
export function parseRegistration(turtle: string, baseIri: string): Registration {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.Registration);
  const registration: Registration = {
    webId: r.iri(node, PA.webId),
    inbox: r.iri(node, LDP.inbox),
    x25519: readKey(r, node, SEC.keyAgreementMethod, 'x25519'),
    ed25519: readKey(r, node, SEC.assertionMethod, 'ed25519'),
  };
  if (r.one(node, PA.signature, true)) registration.signature = r.bytes(node, PA.signature);
  r.throwIfAny();
  return registration;
}

/** Serializes a registration with subject <> (the resource appended to the directory). */
export function serializeRegistration(x: Registration): string {
  const s = DataFactory.namedNode('');
  return new TurtleDoc()
    .add(s, RDF.type, iri(PA.Registration))
    .add(s, PA.webId, iri(x.webId))
    .add(s, LDP.inbox, iri(x.inbox))
    .add(s, SEC.keyAgreementMethod, multikeyNode('x25519', x.x25519, x.webId))
    .add(s, SEC.assertionMethod, multikeyNode('ed25519', x.ed25519, x.webId))
    .add(s, PA.signature, x.signature && bytes(x.signature))
    .toString();
}
