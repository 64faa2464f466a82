// An agent's two key pairs: X25519 to receive sealed payloads, Ed25519 to sign messages.
// Public keys are published as Multikey strings: multibase base58btc ('z') over the
// multicodec varint prefix and the raw 32-byte key.

import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from './errors.ts';
import { secureRandom, type RandomSource } from './random.ts';

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface AgentKeys {
  x25519: KeyPair;
  ed25519: KeyPair;
}

export type KeyKind = 'x25519' | 'ed25519';

// Multicodec x25519-pub (0xec) and ed25519-pub (0xed), as unsigned varints.
const PREFIX: Record<KeyKind, readonly [number, number]> = { x25519: [0xec, 0x01], ed25519: [0xed, 0x01] };

export function generateKeys(random: RandomSource = secureRandom): AgentKeys {
  const xs = random(32);
  const es = random(32);
  return {
    x25519: { secretKey: xs, publicKey: x25519.getPublicKey(xs) },
    ed25519: { secretKey: es, publicKey: ed25519.getPublicKey(es) },
  };
}

export function publicKeyToMultibase(kind: KeyKind, publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new ProtocolError('bad-input', `a ${kind} public key has 32 bytes, got ${publicKey.length}`);
  const bytes = new Uint8Array(34);
  bytes.set(PREFIX[kind]);
  bytes.set(publicKey, 2);
  return 'z' + base58Encode(bytes);
}

export function multibaseToPublicKey(kind: KeyKind, s: string): Uint8Array {
  if (!s.startsWith('z')) throw new ProtocolError('bad-input', `Multikey must be base58btc ('z…'), got '${s.slice(0, 8)}…'`);
  const bytes = base58Decode(s.slice(1));
  const [a, b] = PREFIX[kind];
  if (bytes.length !== 34 || bytes[0] !== a || bytes[1] !== b) {
    throw new ProtocolError('bad-input', `not a ${kind} Multikey`);
  }
  return bytes.slice(2);
}

// ---- base58btc (Bitcoin alphabet); keys are short, so plain BigInt conversion is fine.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58Encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = '1' + out; // leading zero bytes
  return out;
}

export function base58Decode(s: string): Uint8Array {
  let n = 0n;
  for (const ch of s) {
    const d = ALPHABET.indexOf(ch);
    if (d < 0) throw new ProtocolError('bad-input', `'${ch}' is not a base58btc character`);
    n = n * 58n + BigInt(d);
  }
  const body: number[] = [];
  for (; n > 0n; n >>= 8n) body.unshift(Number(n & 0xffn));
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  return new Uint8Array([...new Array<number>(zeros).fill(0), ...body]);
}
