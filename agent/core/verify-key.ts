// The Prio3 verify key a leaf group shares for one query: derived from a random seed each
// member contributes (sealed to the others), so no one member, and no contributor, chooses
// it. A contributor who knew it could forge proofs (the query point derives from it).

import { sha256 } from '@noble/hashes/sha2.js';
import { ProtocolError } from './errors.ts';
import { VERIFY_KEY_SIZE } from './prio3.ts';

/** Bytes of one member's seed. */
export const SEED_SIZE = 16;
const LABEL = new TextEncoder().encode('podagg/prio3/verify-key/v1');

// Length-prefixed, so no query/group split makes the same bytes as another.
function prefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** SHA-256(label ‖ query ‖ group ‖ seeds, each length-prefixed) truncated to the key size. */
export function verifyKey(query: string, group: string, seeds: Uint8Array[] /* 16 bytes each, in position order */): Uint8Array {
  const h = sha256.create().update(LABEL);
  const text = new TextEncoder();
  h.update(prefixed(text.encode(query))).update(prefixed(text.encode(group)));
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, seeds.length);
  h.update(count);
  seeds.forEach((seed, i) => {
    if (seed.length !== SEED_SIZE) throw new ProtocolError('bad-input', `verify key seed ${i} is ${seed.length} bytes, expected ${SEED_SIZE}`);
    h.update(seed);
  });
  return h.digest().slice(0, VERIFY_KEY_SIZE);
}
