// Validated contributions (Prio3, issue 14) against the unvalidated path and against
// `@divviup/prio3` called bare, in the same run. Contributor: shardContribution + seal each
// of the k payloads, beside splitAdditive + seal each share, beside divviup's shard alone.
// Leaf member: open its payload + prepareShare + finishPreparation (given the k prep shares)
// + add the output share in f128, beside open + add in z64, beside divviup's prepareInit +
// unshardPreparationShares + prepareNext. `npm run bench -- validity` writes it to
// BENCHMARKS.md; `node --import tsx bench/validity.ts` prints it.

import { Buffer } from 'node:buffer';
import { pathToFileURL } from 'node:url';
import { Prio3Histogram, Prio3Sum, Prio3SumVec } from '@divviup/prio3';
import { elementCount, outputLength, type Circuit, type Validation } from '../agent/core/circuits.ts';
import { generateKeys, type AgentKeys } from '../agent/core/keys.ts';
import { circuitSizes, finishPreparation, prepareShare, shardContribution } from '../agent/core/prio3.ts';
import { secureRandom } from '../agent/core/random.ts';
import { addInto, bytesToVec, vecView, zeros, type Vec } from '../agent/core/ring.ts';
import { open, seal, type SealContext } from '../agent/core/seal.ts';
import { splitAdditive } from '../agent/core/shares.ts';
import { median } from './median.ts';

const GROUPS = [3, 5];
const RUNS = 5;
const MIN_ROUND_MS = 40;

interface Workload {
  name: string;
  circuit: Circuit;
  /** A valid layout vector for the circuit, and divviup's measurement of the same. */
  vector: bigint[];
  measurement: unknown;
  bare: (k: number) => Bare;
}

// The bare library's calls, typed loosely: each instantiation has its own measurement type.
interface Bare {
  randSize: number;
  shard(m: unknown, nonce: Buffer, rand: Buffer): Promise<{ publicShare: unknown; inputShares: unknown[] }>;
  prepareInit(key: Buffer, id: number, p: null, nonce: Buffer, pub: unknown, input: unknown): Promise<{ preparationState: unknown; preparationShare: unknown }>;
  unshardPreparationShares(p: null, shares: unknown[]): Promise<unknown>;
  prepareNext(state: unknown, message: unknown): unknown;
}

const chunk = (n: number) => Math.max(1, Math.round(Math.sqrt(n)));
const c = { aggregate: 'urn:bench:a', offset: 0 };

const WORKLOADS: Workload[] = [
  { name: 'Count', circuit: { kind: 'Count', ...c }, vector: [1n], measurement: 1n, bare: (k) => new Prio3Sum({ shares: k, bits: 1 }) as Bare },
  {
    name: 'Sum (32 bits)', circuit: { kind: 'Sum', ...c, lower: 0n, bits: 32 }, vector: [3_000_000_000n], measurement: 3_000_000_000n,
    bare: (k) => new Prio3Sum({ shares: k, bits: 32 }) as Bare,
  },
  ...[10, 100].map((bins): Workload => ({
    name: `Histogram (${bins} bins)`, circuit: { kind: 'Histogram', ...c, length: bins },
    vector: Array.from({ length: bins }, (_, i) => (i === 3 ? 1n : 0n)), measurement: 3,
    bare: (k) => new Prio3Histogram({ shares: k, length: bins + 1, chunkLength: chunk(bins + 1) }) as Bare,
  })),
  {
    name: 'SumVec (1000 × 16 bits)', circuit: { kind: 'SumVec', ...c, lower: Array.from({ length: 1000 }, () => 0n), bits: 16 },
    vector: Array.from({ length: 1000 }, (_, i) => BigInt((i * 7919) % 65536)), measurement: Array.from({ length: 1000 }, (_, i) => (i * 7919) % 65536),
    bare: (k) => new Prio3SumVec({ shares: k, length: 1000, bits: 16, chunkLength: chunk(16_000) }) as Bare,
  },
];

/** Milliseconds per call of each named async function: each round times them in turn, median over RUNS rounds. */
async function measureAll<K extends string>(fns: Record<K, () => Promise<unknown> | unknown>): Promise<Record<K, number>> {
  const names = Object.keys(fns) as K[];
  const reps = {} as Record<K, number>;
  for (const name of names) {
    const once = await time(fns[name], 1);
    reps[name] = Math.max(1, Math.min(1 << 12, Math.ceil(MIN_ROUND_MS / Math.max(once, 0.001))));
  }
  const rounds: Record<K, number>[] = [];
  for (let r = 0; r < RUNS; r++) {
    const round = {} as Record<K, number>;
    for (const name of names) round[name] = (await time(fns[name], reps[name])) / reps[name];
    rounds.push(round);
  }
  const ms = {} as Record<K, number>;
  for (const name of names) ms[name] = median(rounds.map((r) => r[name]));
  return ms;
}

async function time(fn: () => Promise<unknown> | unknown, reps: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return performance.now() - start;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const kb = (n: number) => (n >= 10_000 ? `${(n / 1024).toFixed(0)} KiB` : `${n.toLocaleString('en')} B`);

const ctxFor = (k: number): SealContext[] =>
  Array.from({ length: k }, (_, position) => ({ query: 'urn:bench:q', group: 'g.0', position, sender: 'urn:bench:c', recipient: `urn:bench:a${position}`, kind: 'share' }));

async function row(w: Workload, k: number, members: AgentKeys[]): Promise<string> {
  const n = elementCount(w.circuit);
  const v: Validation = { layout: { length: n, ring: 'z64', blocks: [] }, circuits: [w.circuit], fieldLength: outputLength(w.circuit) };
  const vector: Vec = BigUint64Array.from(w.vector, (x) => BigInt.asUintN(64, x));
  const keys = members.slice(0, k);
  const ctx = ctxFor(k);
  const verifyKey = secureRandom(16);

  const payloads = await shardContribution(v, vector, k, secureRandom);
  const sealedPayloads = payloads.map((p, i) => seal(p, keys[i].x25519.publicKey, ctx[i]));
  const preps: Uint8Array[] = [];
  for (let i = 0; i < k; i++) preps.push(await prepareShare(v, verifyKey, k, i, payloads[i]));
  const fieldAcc = zeros(2 * v.fieldLength);
  const sealedShare = seal(vecView(splitAdditive(vector, k, secureRandom)[0]), keys[0].x25519.publicKey, ctx[0]);
  const acc = zeros(n);

  const bare = w.bare(k);
  const nonce = Buffer.from(secureRandom(16));
  const bareKey = Buffer.from(verifyKey);
  const sharded = await bare.shard(w.measurement, nonce, Buffer.from(secureRandom(bare.randSize)));
  // The public share is modified in place by prepareInit: a copy per call, as a member decodes one.
  const publicShare = () => structuredClone(sharded.publicShare);
  const barePreps: unknown[] = [];
  for (let i = 0; i < k; i++) barePreps.push((await bare.prepareInit(bareKey, i, null, nonce, publicShare(), sharded.inputShares[i])).preparationShare);

  const leaf = async (position: number) => {
    const payload = open(sealedPayloads[position], keys[position].x25519.secretKey, ctx[position]);
    await prepareShare(v, verifyKey, k, position, payload);
    const verdict = await finishPreparation(v, verifyKey, k, position, payload, preps);
    if (verdict.kind !== 'valid') throw new Error(`bench: ${w.name} was refused: ${verdict.reason}`);
    addInto(fieldAcc, verdict.output, 'f128');
  };
  const bareLeaf = async (position: number) => {
    const { preparationState } = await bare.prepareInit(bareKey, position, null, nonce, publicShare(), sharded.inputShares[position]);
    const message = await bare.unshardPreparationShares(null, barePreps);
    bare.prepareNext(preparationState, message);
  };
  const t = await measureAll({
    contributor: async () => (await shardContribution(v, vector, k, secureRandom)).map((p, i) => seal(p, keys[i].x25519.publicKey, ctx[i])),
    plainContributor: () => splitAdditive(vector, k, secureRandom).map((s, i) => seal(vecView(s), keys[i].x25519.publicKey, ctx[i])),
    bareShard: () => bare.shard(w.measurement, Buffer.from(secureRandom(16)), Buffer.from(secureRandom(bare.randSize))),
    leader: () => leaf(0),
    helper: () => leaf(1),
    plainLeaf: () => addInto(acc, bytesToVec(open(sealedShare, keys[0].x25519.secretKey, ctx[0])), 'z64'),
    bareLeader: () => bareLeaf(0),
    bareHelper: () => bareLeaf(1),
  });
  const size = circuitSizes(w.circuit, k);
  return (
    `| ${w.name} | ${k} | ${ms(t.contributor)} | ${ms(t.plainContributor)} | ${ms(t.bareShard)} | ${ms(t.leader)} | ${ms(t.helper)} | ${ms(t.plainLeaf)} | ` +
    `${ms(t.bareLeader)} | ${ms(t.bareHelper)} | ${kb(size.payload[0])} | ${kb(size.payload[1])} | ${kb(size.prepShare + 32)} | ${kb(n * 8)} |`
  );
}

export default async function benchValidity(): Promise<string> {
  const members = Array.from({ length: Math.max(...GROUPS) }, () => generateKeys());
  const lines = [
    '| circuit | k | contributor ms | unvalidated ms | divviup shard ms | leaf @0 ms | leaf @1 ms | unvalidated leaf ms | divviup prep @0 ms | divviup prep @1 ms | payload @0 | payload @1 | prep share | unvalidated share |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const w of WORKLOADS) for (const k of GROUPS) lines.push(await row(w, k, members));
  return [
    '## Validated contributions (Prio3): contributor and leaf cost',
    '',
    'Command: `npm run bench -- validity`.',
    '',
    `Prio3 (VDAF-08, \`@divviup/prio3\` 0.8.0, BigInt arithmetic) on ${process.version}, one core, median of ${RUNS} rounds; one contribution of one circuit. ` +
      'Contributor = shardContribution (nonce, shard, k payloads) + seal each payload to its member; unvalidated = splitAdditive (z64) + seal each share; ' +
      'divviup shard = the library\'s own shard of the same measurement (no encoding to bytes, no sealing). ' +
      'Leaf @0 = open the sealed payload + prepareShare + finishPreparation with the k prep shares + add the output share (f128), at position 0, which holds the full input share; ' +
      'leaf @1 = the same at a position holding seeds, from which it expands its shares. ' +
      'Unvalidated leaf = open one share + add (z64). divviup prep = prepareInit + unshardPreparationShares + prepareNext, bare. ' +
      'Sizes: payload before sealing (nonce, public share, input share), prep share (with its 32-byte digest), and the unvalidated share for comparison. ' +
      'Not timed: exchanging the prep shares among the k members (one more sealed message each way).',
    '',
    ...lines,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await benchValidity());
