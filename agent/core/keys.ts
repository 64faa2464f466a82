// An agent's two key pairs: X25519 to receive sealed payloads, Ed25519 to sign messages.
// Their public keys are published as Multikey strings by query-vocab/multikey.ts.

import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { secureRandom, type RandomSource } from './random.ts';

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface AgentKeys {
  x25519: KeyPair;
  ed25519: KeyPair;
}

export function generateKeys(random: RandomSource = secureRandom): AgentKeys {
  const xs = random(32);
  const es = random(32);
  return {
    x25519: { secretKey: xs, publicKey: x25519.getPublicKey(xs) },
    ed25519: { secretKey: es, publicKey: ed25519.getPublicKey(es) },
  };
}
