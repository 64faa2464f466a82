// Validated contributions with Prio3 (VDAF-08, `@divviup/prio3`, the only file that imports
// it). Each circuit of a Validation is one Prio3 instance: the contributor shards its
// measurement into k input shares, leaf member i prepares share i, the members exchange prep
// shares and each finishes with its output share when every proof verified. divviup only
// encodes, so the decoders below are ours, exact in length and refusing field elements ≥ p.
//
// Wire formats (SEED = NONCE = 16 bytes, field elements 16 bytes little-endian):
//   payload i  = per circuit: nonce ‖ public share (k seeds) ‖ input share i
//                input share 0 = measurement share ‖ proof share ‖ blind; i > 0 = 3 seeds
//   prep share = SHA-256 of every circuit's nonce ‖ public share (32) ‖ per circuit: verifier share ‖ joint rand part
// Member i gets input share i, so position 0 carries the full share and the others seeds.

import { Buffer } from 'node:buffer';
import { Prio3, Prio3Histogram, Prio3Sum, Prio3SumVec } from '@divviup/prio3';
import { sha256 } from '@noble/hashes/sha2.js';
import { elementCount, outputLength, type Circuit, type Validation } from './circuits.ts';
import { ProtocolError } from './errors.ts';
import type { RandomSource } from './random.ts';
import { P128, f128FromBigints, f128ToBigints, zeros, type Vec } from './ring.ts';

type Vdaf = Prio3<bigint[], unknown>;
type PublicShare = Parameters<Vdaf['prepareInit']>[4];
type InputShare = Parameters<Vdaf['prepareInit']>[5];
type PrepShare = Awaited<ReturnType<Vdaf['prepareInit']>>['preparationShare'];

/** One circuit's measurement, sharded: what the contributor spreads over the k payloads. */
export interface Sharded {
  nonce: Uint8Array;
  publicShare: Uint8Array;
  /** In position order. */
  inputShares: Uint8Array[];
}

export type Verdict = { kind: 'valid'; output: Vec } | { kind: 'invalid'; reason: string };

/** Byte sizes of one circuit's parts for a group of k. */
export interface CircuitSizes {
  /** nonce ‖ public share ‖ input share, at position 0 and at any other position. */
  payload: [leader: number, helper: number];
  prepShare: number;
  measurementElements: number;
  proofElements: number;
  outputElements: number;
}

/** VDAF-08 Prio3's VERIFY_KEY_SIZE: the XOF's seed size (TurboSHAKE128, 16 bytes). */
export const VERIFY_KEY_SIZE = 16;
const SEED = 16;
const NONCE = 16;
const ELEMENT = 16;
const DIGEST = 32;
// VDAF-08 §7.2 usages: domain separation tags for the XOF.
const MEASUREMENT_SHARE = 1;
const PROOF_SHARE = 2;
const JOINT_RAND_SEED = 6;
const DIGEST_LABEL = new TextEncoder().encode('podagg/prio3/public-shares/v1');

// Chunk length of Histogram and SumVec's ParallelSum gadget: the proof holds about
// 2·(length / chunk) + chunk elements, least near chunk = √length (VDAF-08 §7.4 advises it).
const chunkLength = (measurementLength: number) => Math.max(1, Math.round(Math.sqrt(measurementLength)));

const label = (c: Circuit, index: number) => `circuit ${index} (${c.kind} of aggregate ${c.aggregate} at element ${c.offset})`;

// Instances by shape and k. Each is rebuilt around its FLP with encode as the identity:
// encodeMeasurement below makes the field vector itself, which keeps bigints (the library
// encodes SumVec with 32-bit shifts) and can express an out-of-range value (a cheater's).
const instances = new Map<string, Vdaf>();

function vdafOf(c: Circuit, k: number): Vdaf {
  const key = c.kind === 'Count' ? `Count/${k}` : c.kind === 'Sum' ? `Sum/${c.bits}/${k}` : c.kind === 'Histogram' ? `Histogram/${c.length}/${k}` : `SumVec/${c.lower.length}/${c.bits}/${k}`;
  const known = instances.get(key);
  if (known) return known;
  if (!Number.isInteger(k) || k < 2 || k > 255) throw new ProtocolError('bad-input', `Prio3 needs 2 to 255 shares, got ${k}`);
  // Count is a 1-bit Sum, not Prio3Count: Prio3Count lives in Field64, and one field for
  // every circuit lets a member add a whole output vector in one f128 pass.
  const base =
    c.kind === 'Count' ? new Prio3Sum({ shares: k, bits: 1 })
    : c.kind === 'Sum' ? new Prio3Sum({ shares: k, bits: c.bits })
    : c.kind === 'Histogram' ? new Prio3Histogram({ shares: k, length: c.length + 1, chunkLength: chunkLength(c.length + 1) })
    : new Prio3SumVec({ shares: k, length: c.lower.length, bits: c.bits, chunkLength: chunkLength(c.lower.length * c.bits) });
  const flp = Object.create(base.flp, { encode: { value: (m: bigint[]) => m } }) as Vdaf['flp'];
  const vdaf = new Prio3<bigint[], unknown>(base.xof, flp, k, 1, base.id);
  if (flp.field.modulus !== P128 || vdaf.verifyKeySize !== VERIFY_KEY_SIZE || vdaf.xof.seedSize !== SEED || flp.jointRandLen === 0) {
    throw new Error(`@divviup/prio3 no longer matches podagg's Field128, seed size or joint randomness for ${key}`);
  }
  instances.set(key, vdaf);
  return vdaf;
}

export function circuitSizes(c: Circuit, k: number): CircuitSizes {
  const { flp } = vdafOf(c, k);
  const head = NONCE + k * SEED;
  return {
    payload: [head + (flp.measurementLen + flp.proofLen) * ELEMENT + SEED, head + 3 * SEED],
    prepShare: flp.verifierLen * ELEMENT + SEED,
    measurementElements: flp.measurementLen,
    proofElements: flp.proofLen,
    outputElements: flp.outputLen,
  };
}

// ---- contributor ---------------------------------------------------------------------------

const mod = (x: bigint) => ((x % P128) + P128) % P128;

// m in `bits` bits, low bit first. Out of range, the top "bit" takes the rest, so the output
// share still sums to m and only the proof fails.
function bitsOf(m: bigint, bits: number): bigint[] {
  const low = BigInt.asUintN(bits - 1, m);
  const out = Array.from({ length: bits - 1 }, (_, j) => (low >> BigInt(j)) & 1n);
  out.push(mod((m - low) >> BigInt(bits - 1)));
  return out;
}

/** A circuit's layout values (signed) → the field vector Prio3 proves, faithfully even when out of range. */
export function encodeMeasurement(c: Circuit, values: readonly bigint[]): bigint[] {
  if (values.length !== elementCount(c)) throw new ProtocolError('bad-input', `${c.kind} circuit of aggregate ${c.aggregate} takes ${elementCount(c)} values, got ${values.length}`);
  switch (c.kind) {
    case 'Count':
      return [mod(values[0])];
    case 'Sum':
      return bitsOf(values[0] - c.lower, c.bits);
    case 'Histogram':
      // The extra element says "in no bin", so an all-zero block is one-hot too.
      return [...values.map(mod), values.every((x) => x === 0n) ? 1n : 0n];
    case 'SumVec':
      return values.flatMap((x, i) => bitsOf(x - c.lower[i], c.bits));
  }
}

/** Shards one circuit's values into k input shares (random nonce and shard randomness from `random`). */
export async function shardMeasurement(c: Circuit, values: readonly bigint[], k: number, random: RandomSource): Promise<Sharded> {
  const vdaf = vdafOf(c, k);
  const nonce = random(NONCE);
  const { publicShare, inputShares } = await vdaf.shardEncoded(encodeMeasurement(c, values), Buffer.from(nonce), Buffer.from(random(vdaf.randSize)));
  return { nonce, publicShare, inputShares };
}

/** The k payloads of a contribution from its circuits' shardings, in circuit order. */
export function payloadsOf(sharded: readonly Sharded[], k: number): Uint8Array[] {
  return Array.from({ length: k }, (_, i) => Buffer.concat(sharded.flatMap((s) => [s.nonce, s.publicShare, s.inputShares[i]])));
}

/** Contributor: the k sealed-to-be payloads, payload i for leaf position i. Each is self-contained: for each circuit, its nonce (16 random bytes), public share and input share i. */
export async function shardContribution(v: Validation, vector: Vec, k: number, random: RandomSource): Promise<Uint8Array[]> {
  if (vector.length !== v.layout.length) throw new ProtocolError('bad-input', `contribution has ${vector.length} elements, the layout ${v.layout.length}`);
  const sharded: Sharded[] = [];
  for (const c of v.circuits) {
    const values = Array.from(vector.subarray(c.offset, c.offset + elementCount(c)), (x) => BigInt.asIntN(64, x));
    sharded.push(await shardMeasurement(c, values, k, random));
  }
  return payloadsOf(sharded, k);
}

// ---- members -------------------------------------------------------------------------------

interface Part {
  circuit: Circuit;
  index: number;
  vdaf: Vdaf;
  nonce: Buffer;
  publicShare: Uint8Array;
  inputShare: Uint8Array;
}

// Cuts a payload at `position` into its circuits' parts; throws bad-input on a wrong length.
/** Refuses, as it arrives, a payload of the wrong length for its position (an oversized proof, a truncated share). */
export function checkPayload(v: Validation, k: number, position: number, payload: Uint8Array): void {
  partsOf(v, k, position, payload);
}

function partsOf(v: Validation, k: number, position: number, payload: Uint8Array): Part[] {
  if (!Number.isInteger(position) || position < 0 || position >= k) throw new ProtocolError('bad-input', `position ${position} is not in a group of ${k}`);
  const sizes = v.circuits.map((c) => circuitSizes(c, k).payload[position === 0 ? 0 : 1]);
  const expected = sizes.reduce((a, b) => a + b, 0);
  if (payload.length !== expected) {
    throw new ProtocolError('bad-input', `validated contribution for position ${position} is ${payload.length} bytes, ${v.circuits.length} circuits make ${expected}`);
  }
  let at = 0;
  return v.circuits.map((circuit, index) => {
    const bytes = payload.subarray(at, (at += sizes[index]));
    return {
      circuit,
      index,
      vdaf: vdafOf(circuit, k),
      nonce: Buffer.from(bytes.subarray(0, NONCE)),
      publicShare: bytes.subarray(NONCE, NONCE + k * SEED),
      inputShare: bytes.subarray(NONCE + k * SEED),
    };
  });
}

function fieldElements(p: Part, what: string, bytes: Uint8Array): bigint[] {
  try {
    return p.vdaf.flp.field.decode(bytes);
  } catch {
    throw new ProtocolError('bad-input', `${label(p.circuit, p.index)}: ${what} holds a field element ≥ p`);
  }
}

// A fresh public share each time: prepareInit writes its own part into it.
const publicShareOf = (p: Part, k: number): PublicShare => ({
  jointRandParts: Array.from({ length: k }, (_, j) => Buffer.from(p.publicShare.subarray(j * SEED, (j + 1) * SEED))),
});

// Position 0 holds its shares; the others expand theirs from seeds, as divviup's helpers do.
async function inputShareOf(p: Part, position: number): Promise<InputShare> {
  const { vdaf } = p;
  const { flp, xof } = vdaf;
  const b = p.inputShare;
  if (position === 0) {
    const m = flp.measurementLen * ELEMENT;
    const wireMeasurementShare = Buffer.from(b.subarray(0, m));
    const wireProofShare = Buffer.from(b.subarray(m, b.length - SEED));
    return {
      measurementShare: fieldElements(p, 'its measurement share', wireMeasurementShare),
      proofsShare: fieldElements(p, 'its proof share', wireProofShare),
      wireMeasurementShare,
      wireProofShare,
      blind: Buffer.from(b.subarray(b.length - SEED)),
    };
  }
  const [wireMeasurementShare, wireProofShare, blind] = [0, 1, 2].map((i) => Buffer.from(b.subarray(i * SEED, (i + 1) * SEED)));
  return {
    measurementShare: await xof.expandIntoVec(flp.field, wireMeasurementShare, vdaf.domainSeparationTag(MEASUREMENT_SHARE), Uint8Array.of(position), flp.measurementLen),
    proofsShare: await xof.expandIntoVec(flp.field, wireProofShare, vdaf.domainSeparationTag(PROOF_SHARE), Uint8Array.of(1, position), flp.proofLen),
    wireMeasurementShare,
    wireProofShare,
    blind,
  };
}

// Binds the prep share to the nonces and public shares this member holds: members holding
// different ones (a contributor who sent each its own) then see it and all refuse.
function digestOf(parts: Part[]): Uint8Array {
  const h = sha256.create().update(DIGEST_LABEL);
  for (const p of parts) h.update(p.nonce).update(p.publicShare);
  return h.digest();
}

function checkVerifyKey(verifyKey: Uint8Array): void {
  if (verifyKey.length !== VERIFY_KEY_SIZE) throw new ProtocolError('bad-input', `a Prio3 verify key is ${VERIFY_KEY_SIZE} bytes, got ${verifyKey.length}`);
}

/** Member at `position`: its prep share bytes (all circuits, concatenated). Throws ProtocolError('bad-input', <which circuit, what is wrong>) on a payload of the wrong length or with a field element ≥ p (oversized proof etc.). */
export async function prepareShare(v: Validation, verifyKey: Uint8Array, k: number, position: number, payload: Uint8Array): Promise<Uint8Array> {
  checkVerifyKey(verifyKey);
  const parts = partsOf(v, k, position, payload);
  const out: Uint8Array[] = [digestOf(parts)];
  for (const p of parts) {
    const input = await inputShareOf(p, position);
    const { preparationShare } = await p.vdaf.prepareInit(Buffer.from(verifyKey), position, null, p.nonce, publicShareOf(p, k), input);
    out.push(p.vdaf.encodePreparationShare(preparationShare));
  }
  return Buffer.concat(out);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Member: combine the k prep shares (in position order, its own included) and finish: the
 * output share if every circuit's proof verified. A prep share of the wrong length is
 * 'invalid' with a reason naming the position; divviup's "Verify error" becomes 'invalid'
 * with a reason naming the circuit/aggregate. Deterministic: every honest member reaches the
 * same verdict from the same k prep shares.
 */
export async function finishPreparation(v: Validation, verifyKey: Uint8Array, k: number, position: number, payload: Uint8Array, prepShares: Uint8Array[]): Promise<Verdict> {
  checkVerifyKey(verifyKey);
  const parts = partsOf(v, k, position, payload);
  if (prepShares.length !== k) return { kind: 'invalid', reason: `${prepShares.length} prep shares for a group of ${k}` };
  const sizes = parts.map((p) => circuitSizes(p.circuit, k).prepShare);
  const expected = DIGEST + sizes.reduce((a, b) => a + b, 0);
  for (let j = 0; j < k; j++) {
    if (prepShares[j].length !== expected) return { kind: 'invalid', reason: `position ${j}'s prep share is ${prepShares[j].length} bytes, expected ${expected}` };
  }
  // Checked against position 0, not this member's own digest, so every member gives the same reason.
  for (let j = 1; j < k; j++) {
    if (!sameBytes(prepShares[j].subarray(0, DIGEST), prepShares[0].subarray(0, DIGEST))) {
      return { kind: 'invalid', reason: `positions 0 and ${j} hold different nonces or public shares of this contribution` };
    }
  }
  const outputs: bigint[] = [];
  let at = DIGEST;
  for (const [i, p] of parts.entries()) {
    const { vdaf } = p;
    const shares: PrepShare[] = [];
    for (let j = 0; j < k; j++) {
      const b = prepShares[j].subarray(at, at + sizes[i]);
      let verifiersShare: bigint[];
      try {
        verifiersShare = vdaf.flp.field.decode(b.subarray(0, b.length - SEED));
      } catch {
        return { kind: 'invalid', reason: `${label(p.circuit, i)}: position ${j}'s prep share holds a field element ≥ p` };
      }
      shares.push({ verifiersShare, jointRandomnessPart: Buffer.from(b.subarray(b.length - SEED)) });
    }
    at += sizes[i];
    const rejected = { kind: 'invalid', reason: `${label(p.circuit, i)}: the proof did not verify` } as const;
    let message: Awaited<ReturnType<Vdaf['unshardPreparationShares']>>;
    try {
      message = await vdaf.unshardPreparationShares(null, shares);
    } catch {
      return rejected;
    }
    // Every part, this member's included, must be the public share's: divviup's prepareNext
    // checks the others' only, and a member whose own part alone differed would accept.
    const { jointRandParts } = publicShareOf(p, k);
    const stray = jointRandParts.findIndex((part, j) => !sameBytes(part, shares[j].jointRandomnessPart));
    if (stray >= 0) return { kind: 'invalid', reason: `${label(p.circuit, i)}: position ${stray}'s joint randomness part is not the public share's` };
    const input = await inputShareOf(p, position);
    const outputShare = vdaf.flp.truncate(input.measurementShare);
    jointRandParts[position] = shares[position].jointRandomnessPart;
    const correctedJointRandSeed = Buffer.from(await vdaf.xof.deriveSeed(Buffer.alloc(SEED), vdaf.domainSeparationTag(JOINT_RAND_SEED), Buffer.concat(jointRandParts)));
    try {
      const next = vdaf.prepareNext({ outputShare, correctedJointRandSeed }, message);
      if (!('outputShare' in next)) return { kind: 'invalid', reason: `${label(p.circuit, i)}: Prio3 asked for another round` };
      outputs.push(...next.outputShare);
    } catch {
      return rejected;
    }
  }
  return { kind: 'valid', output: f128FromBigints(outputs) };
}

// ---- querier -------------------------------------------------------------------------------

/** Querier: the f128 sum over the k root positions (already added) → the z64 layout vector, adding included · lower back and dropping histogram extra bins. */
export function fieldSumToLayout(v: Validation, fieldSum: Vec, included: number): Vec {
  if (fieldSum.length !== 2 * v.fieldLength) throw new ProtocolError('bad-input', `field sum has ${fieldSum.length / 2} elements, the validation ${v.fieldLength}`);
  const sums = f128ToBigints(fieldSum);
  const n = BigInt(included);
  const out = zeros(v.layout.length);
  let at = 0;
  for (const c of v.circuits) {
    const lower = c.kind === 'Sum' ? [c.lower] : c.kind === 'SumVec' ? c.lower : null;
    for (let i = 0; i < elementCount(c); i++) out[c.offset + i] = BigInt.asUintN(64, sums[at + i] + (lower ? n * lower[i] : 0n));
    at += outputLength(c);
  }
  return out;
}
