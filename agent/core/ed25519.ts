// Ed25519 signatures (RFC 8032) in node:crypto: every message is signed once and verified
// by each recipient, so this is on every step of a run. Keys are the raw 32-byte seed and
// public key that @noble/curves generates and the profile publishes.

import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { privateKeyObject, publicKeyObject } from './key-objects.ts';

export function sign(data: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, data, privateKeyObject('ed25519', secretKey)));
}

/** False for a wrong signature, and for a malformed signature or key. */
export function verify(signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return nodeVerify(null, data, publicKeyObject('ed25519', publicKey), signature);
  } catch {
    return false;
  }
}
