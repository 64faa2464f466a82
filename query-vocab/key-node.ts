// A public key as a nested sec:Multikey node, the form registrations and plans carry
// (WebID profiles carry the same, under fragment IRIs: see profile.ts).
import type { Term } from 'n3';
import { decodeMultikey, encodeMultikey, type KeyType } from './multikey.ts';
import type { Reader } from './reader.ts';
import { RDF, SEC } from './terms.ts';
import { blank, iri, literal, type Obj } from './write.ts';

export function multikeyNode(type: KeyType, key: Uint8Array, controller: string): Obj {
  return blank(
    [RDF.type, iri(SEC.Multikey)],
    [SEC.controller, iri(controller)],
    [SEC.publicKeyMultibase, literal(encodeMultikey(type, key), SEC.multibase)],
  );
}

/** The raw key behind `node property [ sec:publicKeyMultibase … ]`; empty (and a fault) when unreadable. */
export function readKey(r: Reader, node: Term, property: string, type: KeyType): Uint8Array {
  const key = r.one(node, property);
  const multibase = key && r.string(key, SEC.publicKeyMultibase);
  if (!key || !multibase) return new Uint8Array(0);
  try {
    return decodeMultikey(type, multibase);
  } catch (e) {
    r.fault(key, SEC.publicKeyMultibase, (e as Error).message);
    return new Uint8Array(0);
  }
}
