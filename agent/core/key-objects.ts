// Raw 32-byte X25519 and Ed25519 keys as node:crypto key objects, for the native
// agreement, signing and verification (tens of µs where @noble/curves takes about a
// millisecond). Raw keys go in through DER, never JWK: exporting an X25519 key as JWK can
// deadlock Node 20.20. Importing through DER is slow on OpenSSL 3.0 (~0.3 ms for a private
// key, ~60 µs for a public one), so a key imported from a given array is kept with a copy of
// its bytes: an agent's own key is imported once, a peer's once per run, and an array
// reused for another key is imported afresh.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export type Curve = 'x25519' | 'ed25519';

const SPKI: Record<Curve, Buffer> = {
  x25519: Buffer.from('302a300506032b656e032100', 'hex'),
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
};
const PKCS8: Record<Curve, Buffer> = {
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
};

type KeyCache = WeakMap<Uint8Array, { bytes: Uint8Array; key: KeyObject }>;
const caches = { public: new WeakMap(), private: new WeakMap() } as Record<'public' | 'private', KeyCache>;

function cached(cache: KeyCache, raw: Uint8Array, load: () => KeyObject): KeyObject {
  const hit = cache.get(raw);
  if (hit && hit.bytes.every((b, i) => b === raw[i])) return hit.key;
  const key = load();
  cache.set(raw, { bytes: raw.slice(), key });
  return key;
}

/** Imported afresh: for a key used once (an ephemeral one). */
export function importPublicKey(curve: Curve, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI[curve], raw]), format: 'der', type: 'spki' });
}

export function publicKeyObject(curve: Curve, raw: Uint8Array): KeyObject {
  return cached(caches.public, raw, () => importPublicKey(curve, raw));
}

export function privateKeyObject(curve: Curve, raw: Uint8Array): KeyObject {
  return cached(caches.private, raw, () => createPrivateKey({ key: Buffer.concat([PKCS8[curve], raw]), format: 'der', type: 'pkcs8' }));
}
