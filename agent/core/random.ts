// Where randomness comes from. Production uses the platform CSPRNG; the simulator and
// tests use a seeded stream so a run can be replayed exactly.

import { createCipheriv } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';

export type RandomSource = (n: number) => Uint8Array;

// crypto.getRandomValues refuses more than 65 536 bytes per call.
const CHUNK = 65536;
// Above this size the platform CSPRNG seeds an AES-256-CTR keystream instead: share
// vectors of megabytes come out about 2.5× faster, and a fresh 256-bit key per call keeps
// the stream computationally indistinguishable from uniform.
const EXPAND_ABOVE = 4096;

function platformRandom(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += CHUNK) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(o + CHUNK, n)));
  return out;
}

// Zeros to encrypt into keystream; AES-CTR only reads them, so one buffer serves every call.
let zeroInput = new Uint8Array(0);

export const secureRandom: RandomSource = (n) => {
  if (n <= EXPAND_ABOVE) return platformRandom(n);
  if (zeroInput.length < n) zeroInput = new Uint8Array(n);
  const seed = platformRandom(48);
  const cipher = createCipheriv('aes-256-ctr', seed.subarray(0, 32), seed.subarray(32));
  const stream = cipher.update(zeroInput.subarray(0, n));
  return new Uint8Array(stream.buffer, stream.byteOffset, n);
};

/** Deterministic stream: SHA-256(seed ‖ counter) blocks. Not for production secrets. */
export function seededRandom(seed: number | string): RandomSource {
  const prefix = new TextEncoder().encode(`podagg/seeded-random/${typeof seed}:${seed}/`);
  const input = new Uint8Array(prefix.length + 8);
  input.set(prefix);
  const counter = new DataView(input.buffer, prefix.length, 8);
  let n = 0n;
  let block = new Uint8Array(0);
  let used = 0;
  return (len) => {
    const out = new Uint8Array(len);
    for (let o = 0; o < len; ) {
      if (used === block.length) {
        counter.setBigUint64(0, n++);
        block = sha256(input);
        used = 0;
      }
      const take = Math.min(block.length - used, len - o);
      out.set(block.subarray(used, used + take), o);
      used += take;
      o += take;
    }
    return out;
  };
}
