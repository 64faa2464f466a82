// An agent's key ring: the current pair, which new runs are pinned to, and the pairs a
// rotation retired, each kept until it expires so that the runs pinned to it still open
// and sign. Pure: the caller gives the time and persists the ring (agent/solid/keyfile.ts).

import type { PublicKeys } from '../../query-vocab/types.ts';
import { generateKeys, type AgentKeys } from './keys.ts';
import { secureRandom, type RandomSource } from './random.ts';

/** A pair retired by a rotation; `expires` is an ISO 8601 date-time. */
export interface RetiredPair extends AgentKeys {
  expires: string;
}

export interface KeyRing {
  current: AgentKeys;
  retired: RetiredPair[];
}

/** Retires the current pair until `now + graceMs`, makes a fresh one current, and drops expired pairs. */
export function rotate(ring: KeyRing, now: number, graceMs: number, random: RandomSource = secureRandom): KeyRing {
  const retiring: RetiredPair = { ...ring.current, expires: new Date(now + graceMs).toISOString() };
  return { current: generateKeys(random), retired: [...dropExpired(ring, now).retired, retiring] };
}

export function dropExpired(ring: KeyRing, now: number): KeyRing {
  return { current: ring.current, retired: ring.retired.filter((p) => Date.parse(p.expires) > now) };
}

/** The pair of the ring whose public keys are `pinned`, if the ring still holds it. */
export function pairFor(ring: KeyRing, pinned: PublicKeys): AgentKeys | undefined {
  return [ring.current, ...ring.retired].find((p) => sameBytes(p.x25519.publicKey, pinned.x25519) && sameBytes(p.ed25519.publicKey, pinned.ed25519));
}

export function publicKeys(pair: AgentKeys): PublicKeys {
  return { x25519: pair.x25519.publicKey, ed25519: pair.ed25519.publicKey };
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
