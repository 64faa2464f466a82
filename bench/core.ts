// Protocol-core costs against the ceiling of the same primitives measured in the same run:
// a contributor encodes, splits and seals one vector for a group of k; an aggregator opens
// one share and adds it. Ceilings: node:crypto AES-256-GCM over the same bytes (× k for the
// contributor) and a bare typed-array addition of the same bytes (Uint32Array words,
// no carry). A second table times a model update of 10^5 weights on the path training
// takes: the FedAvg block straight from a Float64Array into the vector, then the same split
// and seal. `npm run bench -- core` writes it to BENCHMARKS.md; `node --import tsx
// bench/core.ts` prints it.

import { createCipheriv, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { valueVariables } from '../query-vocab/index.ts';
import type { AggregateSpec, LogisticRegressionTrainer, TrainingSpec } from '../query-vocab/types.ts';
import { compileLayout, encodeRows, type Layout, type Row } from '../agent/core/encoding.ts';
import { fedAvgBlock } from '../agent/core/model-update.ts';
import { generateKeys, type AgentKeys } from '../agent/core/keys.ts';
import { secureRandom } from '../agent/core/random.ts';
import { addInto, bytesToVec, vecView, zeros, type Vec } from '../agent/core/ring.ts';
import { newEphemeral, open, seal, sharedSecret, type SealContext } from '../agent/core/seal.ts';
import { splitAdditive } from '../agent/core/shares.ts';

const SIZES = [1, 1024, 100_000];
const GROUPS = [3, 5];
/** The model update's weights: 10 classes × (9 999 token features + a bias). */
const UPDATE = { classes: 10, features: 9_999 };
const RUNS = 7;
const MIN_RUN_MS = 40;

/**
 * Milliseconds per call of each named function, median over RUNS rounds. The functions are
 * timed in turn within each round, so background load hits them alike, and each ratio is
 * the median of the per-round ratios.
 */
function measureAll<K extends string>(fns: Record<K, () => unknown>): { ms: Record<K, number>; ratio: (a: K, b: K, minus?: K) => number } {
  const names = Object.keys(fns) as K[];
  const reps = {} as Record<K, number>;
  for (const name of names) {
    const fn = fns[name];
    fn();
    let r = 1;
    for (const t = time(fn, 1); t * r < MIN_RUN_MS && r < 1 << 16; ) r *= 2;
    reps[name] = r;
  }
  const rounds = Array.from({ length: RUNS }, () => {
    const round = {} as Record<K, number>;
    for (const name of names) round[name] = time(fns[name], reps[name]) / reps[name];
    return round;
  });
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const ms = {} as Record<K, number>;
  for (const name of names) ms[name] = median(rounds.map((r) => r[name]));
  const ratio = (a: K, b: K, minus?: K) => median(rounds.map((r) => (r[a] - (minus ? r[minus] : 0)) / r[b]));
  return { ms, ratio };
}

function time(fn: () => unknown, reps: number): number {
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return performance.now() - start;
}

// Vector length n: a Count for n = 1, else a VectorSum of n − 1 components plus its weight.
function workload(n: number): { layout: Layout; rows: Row[] } {
  const spec: AggregateSpec =
    n === 1
      ? { id: 'urn:bench:count', kind: 'Count', unit: 'people' }
      : { id: 'urn:bench:vec', kind: 'VectorSum', variables: Array.from({ length: n - 1 }, (_, i) => `w${i}`), lower: -1, upper: 1, precision: 6, unit: 'people' };
  const layout = compileLayout([spec], 1_000_000, 'z64');
  const row: Row = {};
  for (const v of valueVariables(spec)) row[v] = Math.random() * 2 - 1;
  return { layout, rows: [row] };
}

const ctxFor = (k: number): SealContext[] =>
  Array.from({ length: k }, (_, position) => ({ query: 'urn:bench:q', group: 'g.0', position, sender: 'urn:bench:c', recipient: `urn:bench:a${position}`, kind: 'share' }));

function aesGcm(bytes: Uint8Array): void {
  const c = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  c.update(bytes);
  c.final();
  c.getAuthTag();
}

function typedAdd(a: Uint32Array, b: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i] + b[i];
}

const x = (r: number) => `${r.toFixed(1)}×`;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

// A logistic regression's update of UPDATE's shape: its weights (from SGD, here random within
// the bounds) and the contributor's sample count.
function updateWorkload(): { spec: TrainingSpec; layout: Layout; weights: Float64Array; n: number } {
  const trainer: LogisticRegressionTrainer = {
    kind: 'LogisticRegression', label: 'y', classes: Array.from({ length: UPDATE.classes }, (_, i) => `c${i}`),
    input: { kind: 'tokens', variable: 'text', vocabulary: Array.from({ length: UPDATE.features }, (_, i) => `t${i}`) },
    epochs: 1, learningRate: 1, batchSize: 8, lower: -20, upper: 20, precision: 6,
  };
  const spec: TrainingSpec = { id: 'urn:bench:training', kind: 'Training', unit: 'rows', maxRows: 200, trainer, model: 'urn:bench:model' };
  const weights = Float64Array.from({ length: UPDATE.classes * (UPDATE.features + 1) }, () => Math.random() * 40 - 20);
  return { spec, layout: compileLayout([spec], 1_000, 'z64'), weights, n: 37 };
}

/** The contributor's cost for a model update through the typed-array path, against its ceiling. */
function benchUpdate(members: AgentKeys[]): string[] {
  const { spec, layout, weights, n } = updateWorkload();
  const trainer = spec.trainer as LogisticRegressionTrainer;
  const encode = () => encodeRows(layout, [], new Map([[spec.id, fedAvgBlock(trainer, weights, n)]]));
  const bytes = new Uint8Array(layout.length * 8).fill(7);
  const a32 = new Uint32Array(2 * layout.length);
  const b32 = new Uint32Array(2 * layout.length).fill(3);
  const lines = [
    '| parameters | k | encode ms | share ms | seal ms | contributor ms | X25519 ms | AES-GCM × k ms | (k − 1) adds ms | ratio to AES-GCM × k | without X25519 | ratio to AES-GCM × k + adds | without X25519 |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const k of GROUPS) {
    const ctx = ctxFor(k);
    const keys = members.slice(0, k);
    const v = encode();
    const payloads = splitAdditive(v, k, secureRandom).map(vecView);
    const { ms: t, ratio } = measureAll({
      encode,
      share: () => splitAdditive(v, k, secureRandom),
      seal: () => payloads.map((payload, i) => seal(payload, keys[i].x25519.publicKey, ctx[i])),
      contributor: () => splitAdditive(encode(), k, secureRandom).map((s, i) => seal(vecView(s), keys[i].x25519.publicKey, ctx[i])),
      aesK: () => {
        for (let i = 0; i < k; i++) aesGcm(bytes);
      },
      adds: () => {
        for (let i = 1; i < k; i++) typedAdd(a32, b32);
      },
      ceiling: () => {
        for (let i = 0; i < k; i++) aesGcm(bytes);
        for (let i = 1; i < k; i++) typedAdd(a32, b32);
      },
      agreements: () => {
        for (const m of keys) sharedSecret(newEphemeral().secretKey, m.x25519.publicKey);
      },
    });
    lines.push(
      `| ${weights.length} | ${k} | ${ms(t.encode)} | ${ms(t.share)} | ${ms(t.seal)} | ${ms(t.contributor)} | ${ms(t.agreements)} | ${ms(t.aesK)} | ${ms(t.adds)} | ` +
        `${x(ratio('contributor', 'aesK'))} | ${x(ratio('contributor', 'aesK', 'agreements'))} | ${x(ratio('contributor', 'ceiling'))} | ${x(ratio('contributor', 'ceiling', 'agreements'))} |`,
    );
  }
  return lines;
}

export async function benchCore(): Promise<string> {
  const members: AgentKeys[] = Array.from({ length: Math.max(...GROUPS) }, () => generateKeys());
  const lines = [
    '| elements | k | encode ms | share ms | seal ms | contributor ms | AES-GCM × k ms | ratio | X25519 ms | ratio without X25519 | open + add ms | AES-GCM + add ms | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const n of SIZES) {
    const { layout, rows } = workload(n);
    const bytes = new Uint8Array(n * 8).fill(7);
    const a32 = new Uint32Array(2 * n);
    const b32 = new Uint32Array(2 * n).fill(3);
    for (const k of GROUPS) {
      const ctx = ctxFor(k);
      const keys = members.slice(0, k);
      const v = encodeRows(layout, rows);
      const shares = splitAdditive(v, k, secureRandom);
      const payloads = shares.map(vecView);
      const sealAll = () => payloads.map((payload, i) => seal(payload, keys[i].x25519.publicKey, ctx[i]));
      const sealed = sealAll();
      const acc: Vec = zeros(n);

      const { ms: t, ratio } = measureAll({
        encode: () => encodeRows(layout, rows),
        share: () => splitAdditive(v, k, secureRandom),
        seal: sealAll,
        contributor: () => {
          const shares = splitAdditive(encodeRows(layout, rows), k, secureRandom);
          return shares.map((s, i) => seal(vecView(s), keys[i].x25519.publicKey, ctx[i]));
        },
        aesK: () => {
          for (let i = 0; i < k; i++) aesGcm(bytes);
        },
        agreements: () => {
          for (const m of keys) sharedSecret(newEphemeral().secretKey, m.x25519.publicKey);
        },
        openAdd: () => addInto(acc, bytesToVec(open(sealed[0], keys[0].x25519.secretKey, ctx[0])), 'z64'),
        ceilingAgg: () => {
          aesGcm(bytes);
          typedAdd(a32, b32);
        },
      });
      lines.push(
        `| ${n} | ${k} | ${ms(t.encode)} | ${ms(t.share)} | ${ms(t.seal)} | ${ms(t.contributor)} | ${ms(t.aesK)} | ${x(ratio('contributor', 'aesK'))} | ` +
          `${ms(t.agreements)} | ${t.aesK >= 0.2 * t.agreements ? x(ratio('contributor', 'aesK', 'agreements')) : '—'} | ${ms(t.openAdd)} | ${ms(t.ceilingAgg)} | ${x(ratio('openAdd', 'ceilingAgg'))} |`,
      );
    }
  }
  return [
    '## Protocol core: contributor and aggregator cost',
    '',
    'Command: `npm run bench -- core`.',
    '',
    `Protocol core on ${process.version}, one core, median of ${RUNS} runs. Contributor = encode + split (additive, z64) + seal each share's bytes (vecView, no copy) to k members (an ephemeral X25519 key and an agreement each, AES-256-GCM); aggregator = open one share + add it. A vector of n > 1 elements is a VectorSum of n − 1 components plus its weight. X25519 = the contributor's key agreements alone (k ephemeral keys generated with @noble/curves, each agreed in node:crypto through DER), a fixed cost per contribution that no AES ceiling includes; the ratio without it is shown where AES is not negligible beside it.`,
    '',
    ...lines,
    '',
    `### A model update of ${(UPDATE.classes * (UPDATE.features + 1)).toLocaleString('en')} weights through the typed-array path`,
    '',
    `The contributor's side of a pa:Training aggregate (logistic regression, ${UPDATE.classes} classes × ${UPDATE.features + 1} weights, bounds ±20, precision 6): encode = the FedAvg block (each weight clipped, in fixed point, times the sample count; then the count) and its addition to the vector straight from the Float64Array; share and seal as above. Ceiling = AES-256-GCM over the vector's bytes for each of the k shares plus the k − 1 typed-array additions that derive the last share, measured in the same rounds; the first two ratios leave the additions out of the ceiling, as the table above does. X25519 = the k key agreements (an ephemeral key each) alone; "without X25519" subtracts them from the contributor's time, round by round.`,
    '',
    ...benchUpdate(members),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await benchCore());
