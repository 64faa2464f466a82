// Validated contributions over a real Community Solid Server with 20 pods and 20 real
// agents: a validated Count, Sum and Histogram give exactly the plain answer; five
// cheating contributors, each a real agent with a doctored encoder, are rejected by every
// member of their leaf and counted, and the result is exact over the honest ones; a leaf
// member that lies in its prep shares makes its leaf reject, never accept, and the run
// still ends; verification-key seeds only ever go to the members of their own leaf.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { documentOf, parseResult } from '../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, StrategyName, WebId } from '../query-vocab/types.ts';
import type { Validation } from '../agent/core/circuits.ts';
import { circuitSizes, payloadsOf, shardContribution, shardMeasurement } from '../agent/core/prio3.ts';
import { performPrio3, type Prio3Performer } from '../agent/core/prio3-work.ts';
import type { RandomSource } from '../agent/core/random.ts';
import type { Vec } from '../agent/core/ring.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { publishQuery } from '../agent/solid/publish.ts';
import { startDemo, waitForEnd, type Demo } from '../demo/demo.ts';
import { plainAnswer, plainContributions } from '../demo/plain.ts';
import { freePorts } from '../harness/ports.ts';
import { runCli } from './helpers/cli.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';

const PODS = 20;
const K = 3;
const VALIDATED = readFileSync(new URL('../examples/queries/validated-steps.ttl', import.meta.url), 'utf8');

/** Each agent's Prio3 work goes through here: a test makes some agents cheat for one run. */
const cheats = new Map<WebId, Prio3Performer>();
let demo: Demo;
const events: RunEvent[] = [];

before(async () => {
  demo = await startDemo({
    pods: PODS, port: await freePorts(), collectMs: LONG_COLLECT_MS,
    agents: { prio3Of: (w) => (v, k, work, random) => (cheats.get(w) ?? performPrio3)(v, k, work, random) },
  });
  demo.host.journal.on('event', (e) => void events.push(e));
});
after(async () => demo?.stop());

let nonces = 0;

/** Publishes the example; `everyone` widens its selection to every age, for more contributors. */
async function publish(everyone = false, strategy: StrategyName = 'SafeAndPrompt'): Promise<{ query: AggregationQuery; plan: AggregationPlan }> {
  const { session } = demo.host.get(demo.querier.webId);
  return publishQuery({
    session, podUrl: demo.querier.podUrl, turtle: everyone ? VALIDATED.replace('FILTER (?age > 50)', 'FILTER (?age > 0)') : VALIDATED, population: demo.population, peers: demo.host.peers,
    overrides: { nonce: `${(++nonces).toString(16).padStart(8, '0')}${'7a11da7e'.repeat(3)}`, fixedParams: { strategy, groupSize: K } },
    minTimeouts: { collectMs: LONG_COLLECT_MS },
  });
}

async function run(query: AggregationQuery, plan: AggregationPlan): Promise<RunEvent> {
  const ended = waitForEnd(demo.host, demo.querier.webId, query.id);
  await demo.host.get(demo.querier.webId).agent.startQuery(query.id, plan.id);
  return ended;
}

async function resultOf(end: RunEvent) {
  assert.equal(end.kind, 'result', end.reason);
  const url = documentOf(end.result!);
  return parseResult(await getTurtle(globalThis.fetch, url), url);
}

/** An agent that shards a doctored contribution, and does all else honestly. */
const cheater = (doctor: (v: Validation, vector: Vec, k: number, random: RandomSource) => Promise<Uint8Array[]>): Prio3Performer =>
  async (v, k, work, random) => (work.kind === 'shard' ? { kind: 'sharded', payloads: await doctor(v, work.vector, k, random) } : performPrio3(v, k, work, random));

/** The contribution with some elements replaced (by circuit and element within it), sharded honestly. */
const withValues = (changes: Array<[circuit: number, element: number, value: bigint]>) =>
  cheater((v, vector, k, random) => {
    const doctored = vector.slice();
    for (const [c, e, value] of changes) doctored[v.circuits[c].offset + e] = BigInt.asUintN(64, value);
    return shardContribution(v, doctored, k, random);
  });

const CHEATS: Record<string, Prio3Performer> = {
  'a count of 10⁶': withValues([[0, 0, 1_000_000n]]),
  'a sum outside its declared bits': withValues([[1, 0, 1n << 20n]]),
  'a histogram with two ones': withValues([[2, 0, 1n], [2, 1, 1n]]),
  // The leader's proof share taken from a sharding of another count.
  'a proof share from another measurement': cheater(async (v, vector, k, random) => {
    const values = (c: number) => [BigInt.asIntN(64, vector[v.circuits[c].offset])];
    const count = v.circuits[0];
    const [mine, other] = [await shardMeasurement(count, values(0), k, random), await shardMeasurement(count, [1n - values(0)[0]], k, random)];
    const sizes = circuitSizes(count, k);
    const at = sizes.measurementElements * 16;
    const spliced = new Uint8Array(mine.inputShares[0]);
    spliced.set(other.inputShares[0].subarray(at, at + sizes.proofElements * 16), at);
    const payloads = await shardContribution(v, vector, k, random);
    const first = payloadsOf([{ ...mine, inputShares: [spliced, ...mine.inputShares.slice(1)] }], k);
    // The count's part of each payload replaced by the spliced one; the other circuits' parts kept.
    return payloads.map((p, i) => Uint8Array.from([...first[i], ...p.subarray(first[i].length)]));
  }),
  'k shares of different measurements': cheater(async (v, vector, k, random) => {
    const a = await shardContribution(v, vector, k, random);
    const other = vector.slice();
    other[v.circuits[0].offset] = 0n;
    const b = await shardContribution(v, other, k, random);
    return a.map((p, i) => (i === k - 1 ? b[i] : p));
  }),
};

test('a validated Count, Sum and Histogram over 20 pods give exactly the plain answer', async () => {
  const { query, plan } = await publish();
  assert.equal(query.validated, true);
  const result = await resultOf(await run(query, plan));
  const plain = await plainAnswer(query, plan, demo.people);
  assert.deepEqual(result.values.map((v) => v.value), plain.values.map((v) => v.value));
  assert.equal(result.contributors, plain.contributors);
  assert.equal(result.rejected, 0);
  // No member of a leaf contributes to it: it knows the leaf's verification key.
  for (const g of plan.groups) for (const w of g.members) assert.notEqual(plan.zones[w], g.id, `${w} is a member of its own zone ${g.id}`);
});

test('every additive strategy runs a validated query to the exact answer, a cheater rejected', async () => {
  for (const strategy of ['LowCost', 'HighCompleteness', 'Hybrid'] as const) {
    const { query, plan } = await publish(true, strategy);
    const contributing = [...(await plainContributions(query, plan, demo.people)).keys()];
    const cheat = contributing.find((w) => w !== demo.querier.webId)!;
    cheats.set(cheat, CHEATS['a histogram with two ones']);
    try {
      const result = await resultOf(await run(query, plan));
      const plain = await plainAnswer(query, plan, demo.people, new Set(contributing.filter((w) => w !== cheat)));
      assert.equal(result.strategy, strategy);
      assert.equal(result.rejected, 1, strategy);
      assert.equal(result.contributors, plain.contributors, strategy);
      assert.deepEqual(result.values.map((v) => v.value), plain.values.map((v) => v.value), strategy);
    } finally {
      cheats.clear();
    }
  }
});

test('five cheating contributors are rejected by every member of their leaf and counted; the result is exact over the honest ones', async () => {
  const { query, plan } = await publish(true);
  const contributing = [...(await plainContributions(query, plan, demo.people)).keys()];
  const names = Object.keys(CHEATS);
  assert.ok(contributing.length >= names.length + 5, `only ${contributing.length} members contribute`);
  const cheaters = contributing.filter((w) => w !== demo.querier.webId).slice(0, names.length);
  cheaters.forEach((w, i) => cheats.set(w, CHEATS[names[i]]));
  const from = events.length;
  try {
    const result = await resultOf(await run(query, plan));
    const honest = new Set(contributing.filter((w) => !cheaters.includes(w)));
    const plain = await plainAnswer(query, plan, demo.people, honest);
    assert.equal(result.rejected, cheaters.length);
    assert.equal(result.contributors, plain.contributors);
    assert.deepEqual(result.values.map((v) => v.value), plain.values.map((v) => v.value));
    const mine = events.slice(from).filter((e) => e.query === query.id);
    for (const [i, w] of cheaters.entries()) {
      const leaf = plan.groups.find((g) => g.id === plan.zones[w])!;
      const rejecting = mine.filter((e) => e.kind === 'log' && e.text.includes(`contribution from ${w} rejected as invalid`)).map((e) => e.webId);
      assert.deepEqual([...new Set(rejecting)].sort(), [...leaf.members].sort(), `${names[i]}: rejected by ${rejecting.join(', ')}`);
    }
  } finally {
    cheats.clear();
  }
});

test('a leaf member that lies in its prep shares makes its leaf reject every contribution, never accept one; the run still ends', async () => {
  const { query, plan } = await publish(true);
  const contributions = await plainContributions(query, plan, demo.people);
  const leaves = plan.groups.filter((g) => !plan.groups.some((c) => c.parent === g.id));
  const zoneOf = (g: string) => [...contributions.keys()].filter((w) => plan.zones[w] === g);
  const leaf = leaves.find((g) => zoneOf(g.id).length > 0 && g.members[0] !== demo.querier.webId)!;
  const liar = leaf.members[0];
  cheats.set(liar, async (v, k, work, random) => {
    const outcome = await performPrio3(v, k, work, random);
    return outcome.kind === 'prepared' ? { ...outcome, prepShare: random(outcome.prepShare.length) } : outcome;
  });
  try {
    const result = await resultOf(await run(query, plan));
    const lost = zoneOf(leaf.id);
    const plain = await plainAnswer(query, plan, demo.people, new Set([...contributions.keys()].filter((w) => !lost.includes(w))));
    assert.equal(result.rejected, lost.length);
    assert.equal(result.contributors, plain.contributors);
    assert.deepEqual(result.values.map((v) => v.value), plain.values.map((v) => v.value));
  } finally {
    cheats.clear();
  }
});

test('verification-key seeds go only to the other members of their own leaf, never to a contributor of it', async () => {
  const { query, plan } = await publish();
  const from = events.length;
  await resultOf(await run(query, plan));
  const seeds = events.slice(from).filter((e) => e.query === query.id && e.kind === 'sent' && e.messageType === 'KeySeed');
  const leaves = plan.groups.filter((g) => !plan.groups.some((c) => c.parent === g.id));
  assert.equal(seeds.length, leaves.length * K * (K - 1));
  for (const e of seeds) {
    const leaf = leaves.find((g) => g.id === e.group)!;
    assert.ok(leaf.members.includes(e.webId) && leaf.members.includes(e.peer!) && e.webId !== e.peer, `${e.webId} sent a seed of ${e.group} to ${e.peer}`);
    assert.notEqual(plan.zones[e.peer!], e.group, `${e.peer} contributes to ${e.group} and received its seed`);
  }
});

test('from the CLI: podagg query publish runs a validated query and prints its result with the rejected count', async () => {
  // Two agents of one WebID would take each other's messages: the command runs this querier's.
  const querier = demo.credentials[PODS - 1];
  await demo.host.kill(querier.webId);
  try {
    const r = await runCli([
      'query', 'publish', 'examples/queries/validated-steps.ttl', '--credentials', demo.credentialsFile, '--webid', querier.webId,
      '--population', demo.population, '--state', demo.stateDir, '--min-contributors', '3', '--collect-ms', String(LONG_COLLECT_MS),
    ], 300_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}contributors \d+, completeness 100\.0 %/m);
    assert.match(r.stdout, /^ {2}validated: 0 contributions rejected as invalid$/m);
  } finally {
    await demo.host.add([querier]);
  }
});

test('the demo runs the validated example when asked: exact, nothing rejected', async () => {
  const outcome = await demo.publish('validated-steps');
  assert.equal(outcome.exact, true, outcome.abort);
  assert.equal(outcome.published?.rejected, 0);
});
