// A population registration is signed by its registrant: anyone may append to the
// directory, but only the WebID's own Ed25519 key (the one in its profile) can make a
// registration that counts, and the signature binds it to one population.

import { createHash } from 'node:crypto';
import { sign, verify } from './ed25519.ts';
import type { Registration } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';
import { canonicalJson } from './sign.ts';

const DOMAIN = new TextEncoder().encode('podagg/registration/v1');

function signedBytes(r: Registration, population: string): Uint8Array {
  const { webId, inbox, x25519, ed25519: key } = r;
  const digest = createHash('sha256').update(canonicalJson({ population, webId, inbox, x25519, ed25519: key })).digest();
  const out = new Uint8Array(DOMAIN.length + digest.length);
  out.set(DOMAIN);
  out.set(digest, DOMAIN.length);
  return out;
}

export function signRegistration(r: Registration, population: string, ed25519SecretKey: Uint8Array): Registration {
  return { ...r, signature: sign(signedBytes(r, population), ed25519SecretKey) };
}

/** Throws unless the registration is signed by its own Ed25519 key for this population. */
export function verifyRegistration(r: Registration, population: string): void {
  if (r.signature === undefined || !verify(r.signature, signedBytes(r, population), r.ed25519)) throw new ProtocolError('bad-signature', `the registration of ${r.webId} is not signed by its own key for ${population}`);
}
