// Validated contributions (issue 14) through the sans-IO runs alone, in memory: every agent's
// `Run` is driven by a small loop that delivers sends, performs the Prio3 work the runs ask
// for, answers evaluations and fires timers only once nothing else is left to do. Covered:
//   1. an honest run publishes exactly the plain sum, nothing rejected; a contributor with a
//      doctored Count of 10⁶ is rejected by every member of its leaf and counted, the result
//      exact over the others;
//   2. bad input, each refused with its own code and a reason, leaving the run's state as it
//      was: an oversized payload, prep shares or a seed from outside the leaf, replayed seeds
//      and confirmations, a seed for an unvalidated query or an inner group;
//   3. verification-key seeds only ever go to the other members of their leaf, never to one
//      of its contributors;
//   4. a leaf member sending random prep shares makes its leaf reject all its contributions,
//      never accept one, and the run still ends.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregateSpec, AggregationQuery, AggregationResult, Confirmation, KeySeed, Message, Registration, WebId } from '../query-vocab/types.ts';
import { decode, encodeRows, type Row } from '../agent/core/encoding.ts';
import type { Action, Event, RunContext } from '../agent/core/io.ts';
import { generateKeys, type AgentKeys } from '../agent/core/keys.ts';
import { UNVERIFIED } from '../agent/core/leaf-check.ts';
import { shardContribution } from '../agent/core/prio3.ts';
import { performPrio3, type Prio3Performer } from '../agent/core/prio3-work.ts';
import { Run, layoutOf } from '../agent/core/protocol.ts';
import { seededRandom } from '../agent/core/random.ts';
import { addInto, zeros, type Vec } from '../agent/core/ring.ts';
import { validationFor } from '../agent/core/runtime.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import { slotKey, type SlotState } from '../agent/core/state.ts';
import { realCrypto } from '../agent/core/suite.ts';
import type { ProtocolError } from '../agent/core/errors.ts';

// ---- types -----------------------------------------------------------------------------------

/** The population, its keys and directory, the validated query and its plan. */
interface World {
  population: WebId[];
  keys: Map<WebId, AgentKeys>;
  directory: Map<WebId, Registration>;
  query: AggregationQuery;
  plan: RunContext['plan'];
  /** Each agent's rows (every zoned agent contributes one row). */
  rows: Map<WebId, Row[]>;
}

/** How agents misbehave in one run: their Prio3 work goes through these instead. */
interface Options {
  cheats?: Map<WebId, Prio3Performer>;
}

interface Rejection {
  to: WebId;
  message: Message;
  error: ProtocolError;
  /** The receiving run's serialised state is the same after the message as before it. */
  unchanged: boolean;
}

/** What one run of the query left behind. */
interface Trace {
  result: AggregationResult | null;
  abort: string | null;
  sent: Array<{ to: WebId; message: Message }>;
  logs: Map<WebId, string[]>;
  rejections: Rejection[];
  runs: Map<WebId, Run>;
}

// ---- the world -------------------------------------------------------------------------------

const K = 3;
const POPULATION = 16;
const people = { unit: 'people' } as const;
const AGGREGATES: AggregateSpec[] = [
  { id: 'urn:t:count', kind: 'Count', ...people },
  { id: 'urn:t:sum', kind: 'Sum', variable: 'x', lower: 0, upper: 100, ...people },
  { id: 'urn:t:hist', kind: 'Histogram', variable: 'x', bins: [0, 1, 2, 3].map((i) => ({ lower: 25 * i, upper: 25 * i + 25 })), ...people },
];

function buildWorld(): World {
  const population = Array.from({ length: POPULATION }, (_, i) => `urn:t:agent:${i}`);
  const keys = new Map<WebId, AgentKeys>();
  const directory = new Map<WebId, Registration>();
  population.forEach((w, i) => {
    const k = generateKeys(seededRandom(`core-validated/keys/${i}`));
    keys.set(w, k);
    directory.set(w, { webId: w, inbox: `${w}/inbox`, x25519: k.x25519.publicKey, ed25519: k.ed25519.publicKey });
  });
  const query: AggregationQuery = {
    id: 'urn:t:query', title: 'validated in memory', querier: population[0], population: 'urn:t:population',
    selection: 'SELECT ?x WHERE { ?s ?p ?x }', aggregates: AGGREGATES, purposes: [], minContributors: 1,
    deadline: new Date(0).toISOString(), expectedSelectivity: 1, hideParticipation: false, validated: true, nonce: '00c0ffee00c0ffee',
  };
  const plan = buildPlan({
    id: `${query.id}:plan`, query: query.id, nonce: query.nonce ?? '', population, validated: true,
    params: { depth: 2, fanout: 2, groupSize: K, threshold: K, strategy: 'SafeAndPrompt', backupRatio: 0, timeouts: { collectMs: 60_000, syncMs: 20_000, childMs: 20_000 } },
  });
  const rows = new Map(population.filter((w) => plan.zones[w] !== undefined).map((w, i): [WebId, Row[]] => [w, [{ x: (i * 37) % 101 }]]));
  return { population, keys, directory, query, plan, rows };
}

const world = buildWorld();
const layout = layoutOf(world);
const leaves = world.plan.groups.filter((g) => !world.plan.groups.some((c) => c.parent === g.id));
const zoneOf = (group: string) => [...world.rows.keys()].filter((w) => world.plan.zones[w] === group);

function contextOf(w: WebId, now: () => number, query = world.query): RunContext {
  const keys = world.keys.get(w);
  assert.ok(keys);
  return { self: w, keys, directory: world.directory, query, plan: world.plan, now, random: seededRandom(`core-validated/run/${w}`) };
}

// ---- helpers ---------------------------------------------------------------------------------

/** The plain answer over `contributors`: their encoded vectors summed, decoded. */
function plainValues(contributors: WebId[]) {
  const sum = zeros(layout.length);
  for (const w of contributors) addInto(sum, encodeRows(layout, world.rows.get(w) ?? []), layout.ring);
  return decode(layout, sum);
}

/** Runs the whole query in memory; timers fire only when no message or work is pending. */
async function drive(opts: Options = {}): Promise<Trace> {
  let clock = 0;
  const runs = new Map(world.population.map((w) => [w, new Run(contextOf(w, () => clock))]));
  const trace: Trace = { result: null, abort: null, sent: [], logs: new Map(), rejections: [], runs };
  const queue: Array<{ from: WebId; action: Action }> = [];
  const timers = new Map<string, { webId: WebId; name: string; at: number }>();
  const feed = (w: WebId, event: Event) => {
    for (const action of runOf(runs, w).handle(event)) queue.push({ from: w, action });
  };
  for (const w of world.population) feed(w, { type: 'start' });
  for (let steps = 0; steps < 100_000; steps++) {
    const next = queue.shift();
    if (!next) {
      if (trace.result || trace.abort) return trace;
      const due = [...timers.values()].sort((a, b) => a.at - b.at)[0];
      assert.ok(due, 'the run neither ended nor has anything left to do');
      timers.delete(`${due.webId}|${due.name}`);
      clock = Math.max(clock, due.at);
      feed(due.webId, { type: 'timer', name: due.name });
      continue;
    }
    const { from, action: a } = next;
    const run = runOf(runs, from);
    switch (a.type) {
      case 'send': {
        clock++;
        trace.sent.push({ to: a.to, message: a.message });
        const to = runOf(runs, a.to);
        const before = to.serialise();
        const actions = to.handle({ type: 'message', message: a.message });
        const reject = actions.find((x) => x.type === 'reject');
        if (reject?.type === 'reject') trace.rejections.push({ to: a.to, message: a.message, error: reject.error, unchanged: to.serialise() === before });
        for (const action of actions) queue.push({ from: a.to, action });
        feed(from, { type: 'delivered', id: a.id });
        break;
      }
      case 'setTimer':
        timers.set(`${from}|${a.name}`, { webId: from, name: a.name, at: clock + a.delayMs });
        break;
      case 'prio3': {
        const perform = opts.cheats?.get(from) ?? performPrio3;
        const validation = validationFor(run.ctx);
        assert.ok(validation);
        const outcome = await perform(validation, K, a.work, run.ctx.random);
        feed(from, { type: 'prio3Done', work: a.work, outcome });
        break;
      }
      case 'evaluate': {
        const rows = world.rows.get(from);
        feed(from, rows ? { type: 'contribute', vector: encodeRows(layout, rows), consent: `${from}#consent` } : { type: 'decline', reason: 'no rows' });
        break;
      }
      case 'publish':
        trace.result = a.result;
        feed(from, { type: 'resultStored' });
        break;
      case 'abort':
        trace.abort = `${a.code ?? ''}: ${a.reason}`;
        break;
      case 'log':
        trace.logs.set(from, [...(trace.logs.get(from) ?? []), a.text]);
        break;
      case 'reject':
        break;
    }
  }
  assert.fail('the run did not end within 100 000 steps');
}

function runOf(runs: Map<WebId, Run>, w: WebId): Run {
  const run = runs.get(w);
  assert.ok(run, `no run for ${w}`);
  return run;
}

/** Performs Prio3 work honestly, but shards a doctored vector. */
const sharding = (doctor: (vector: Vec, shard: (v: Vec) => Promise<Uint8Array[]>) => Promise<Uint8Array[]>): Prio3Performer =>
  async (v, k, work, random) =>
    work.kind === 'shard' ? { kind: 'sharded', payloads: await doctor(work.vector, (x) => shardContribution(v, x, k, random)) } : performPrio3(v, k, work, random);

/** A contributor other than the querier, in the zone of the leaf with the most contributors. */
function someContributor(): WebId {
  const leaf = [...leaves].sort((a, b) => zoneOf(b.id).length - zoneOf(a.id).length)[0];
  const w = zoneOf(leaf.id).find((x) => x !== world.query.querier);
  assert.ok(w);
  return w;
}

// One honest run serves several tests: its messages are replayed and forged below.
let honestRun: Promise<Trace> | null = null;
const honest = () => (honestRun ??= drive());

/** A fresh run of `w`, started, clocked after every message of the honest run. */
function freshRun(w: WebId, query = world.query): Run {
  const run = new Run(contextOf(w, () => 1_000_000, query));
  run.handle({ type: 'start' });
  return run;
}

/** Feeds m to run: the single 'reject' it causes (or null), and whether the state stayed the same. */
function deliver(run: Run, m: Message): { error: ProtocolError | null; unchanged: boolean } {
  const before = run.serialise();
  const rejects = run.handle({ type: 'message', message: m }).filter((a) => a.type === 'reject');
  assert.ok(rejects.length <= 1);
  return { error: rejects[0]?.type === 'reject' ? rejects[0].error : null, unchanged: run.serialise() === before };
}

/** m, as if `sender` sent it: re-signed with the sender's own key, so admission gets to the role check. */
function forged<M extends Message>(m: M, changes: Partial<M>): M {
  const { signature: _drop, ...rest } = { ...m, ...changes };
  const key = world.keys.get(rest.sender)?.ed25519.secretKey;
  assert.ok(key);
  return realCrypto.sign<M>(rest as unknown as Omit<M, 'signature'>, key);
}

function sentOf<T extends Message['type']>(trace: Trace, type: T): Array<Extract<Message, { type: T }>> {
  return trace.sent.map((s) => s.message).filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

const rejectedBy = (trace: Trace, w: WebId) =>
  [...trace.logs].filter(([, lines]) => lines.some((l) => l.includes(`contribution from ${w} rejected as invalid`))).map(([agent]) => agent).sort();

// ---- 1. end to end -----------------------------------------------------------------------------

test('the plan: two leaves, every agent zoned, no leaf member in its own zone', () => {
  assert.equal(leaves.length, 2);
  assert.equal(world.rows.size, POPULATION);
  for (const leaf of leaves) {
    assert.ok(zoneOf(leaf.id).length > 0, `${leaf.id} has contributors`);
    for (const w of leaf.members) assert.notEqual(world.plan.zones[w], leaf.id);
  }
});

test('honest, in memory: the result is the plain sum of every contribution, none rejected', async () => {
  const trace = await honest();
  assert.ok(trace.result, trace.abort ?? 'no result');
  assert.equal(trace.result.rejected, 0);
  assert.equal(trace.result.contributors, POPULATION);
  assert.equal(trace.result.completeness, 1);
  assert.deepEqual(trace.result.values, plainValues([...world.rows.keys()]));
  assert.deepEqual(trace.rejections.map((r) => `${r.error.code}: ${r.error.message}`), []);
});

test('a contribution with a Count of 10⁶ is rejected by every member of its leaf and counted; the rest is exact', async () => {
  const cheater = someContributor();
  const doctored = sharding((vector, shard) => {
    const v = vector.slice();
    v[layout.blocks[0].offset] = 1_000_000n;
    return shard(v);
  });
  const trace = await drive({ cheats: new Map([[cheater, doctored]]) });
  assert.ok(trace.result, trace.abort ?? 'no result');
  assert.equal(trace.result.rejected, 1);
  assert.equal(trace.result.contributors, POPULATION - 1);
  assert.deepEqual(trace.result.values, plainValues([...world.rows.keys()].filter((w) => w !== cheater)));
  const leaf = leaves.find((g) => g.id === world.plan.zones[cheater]);
  assert.ok(leaf);
  assert.deepEqual(rejectedBy(trace, cheater), [...leaf.members].sort());
  for (const w of world.rows.keys()) if (w !== cheater) assert.deepEqual(rejectedBy(trace, w), [], `${w} is honest`);
});

// ---- 2. bad input --------------------------------------------------------------------------

test('an oversized payload is refused as bad-input naming its byte count, by every position, changing nothing', async () => {
  const cheater = someContributor();
  const padded = sharding(async (vector, shard) => (await shard(vector)).map((p) => Uint8Array.from([...p, ...new Uint8Array(100)])));
  const trace = await drive({ cheats: new Map([[cheater, padded]]) });
  const leaf = leaves.find((g) => g.id === world.plan.zones[cheater]);
  assert.ok(leaf);
  const refused = trace.rejections.filter((r) => r.message.sender === cheater);
  assert.deepEqual(refused.map((r) => r.to).sort(), [...leaf.members].sort(), 'each position refused its payload');
  for (const r of refused) {
    assert.equal(r.message.type, 'Contribution');
    assert.equal(r.error.code, 'bad-input');
    const sizes = /is (\d+) bytes, \d+ circuits make (\d+)/.exec(r.error.message);
    assert.ok(sizes, r.error.message);
    assert.equal(Number(sizes[1]), Number(sizes[2]) + 100, r.error.message);
    assert.ok(r.unchanged, `${r.to}'s state changed on the refused payload`);
  }
  assert.equal(trace.rejections.length, refused.length, 'nothing else was refused');
  // The leaf waited for the cheater until its deadline, then went on without it.
  assert.ok(trace.result, trace.abort ?? 'no result');
  assert.equal(trace.result.contributors, POPULATION - 1);
  assert.equal(trace.result.rejected, 0, 'a payload refused on arrival never reaches the check');
  assert.deepEqual(trace.result.values, plainValues([...world.rows.keys()].filter((w) => w !== cheater)));
});

test('prep shares or a seed from outside the leaf are refused as not-in-plan, changing nothing', async () => {
  const trace = await honest();
  const confirmation = sentOf(trace, 'Confirmation').find((m) => m.sealed && leaves.some((g) => g.id === m.group));
  assert.ok(confirmation, 'a leaf confirmation with prep shares');
  const seed = sentOf(trace, 'KeySeed').find((m) => m.recipient === confirmation.recipient);
  assert.ok(seed);
  const leaf = leaves.find((g) => g.id === confirmation.group);
  assert.ok(leaf);
  // Registered and in the plan, but no member of this leaf: a member of the other leaf, and a contributor.
  const outsiders = [leaves.find((g) => g !== leaf)?.members[0], zoneOf(leaf.id)[0]];
  for (const outsider of outsiders) {
    assert.ok(outsider && !leaf.members.includes(outsider));
    for (const m of [forged<Confirmation>(confirmation, { sender: outsider }), forged<KeySeed>(seed, { sender: outsider })]) {
      const run = freshRun(m.recipient);
      const { error, unchanged } = deliver(run, m);
      assert.equal(error?.code, 'not-in-plan', `${m.type} from ${outsider}: ${error?.message}`);
      assert.match(error.message, new RegExp(`${m.type} from ${outsider}: the sender is not a candidate for ${leaf.id}#${m.position}`));
      assert.ok(unchanged, `${m.type} from ${outsider} changed the state`);
      const slot: SlotState | undefined = run.state.slots[slotKey(leaf.id, leaf.members.indexOf(m.recipient))];
      assert.ok(slot?.check);
      assert.deepEqual([Object.keys(slot.check.seeds), Object.keys(slot.check.peerPrep), Object.keys(slot.peers)], [[], [], []]);
    }
  }
});

test('a replayed seed and a replayed confirmation with prep shares are refused as replayed, changing nothing', async () => {
  const trace = await honest();
  const seed = sentOf(trace, 'KeySeed')[0];
  const confirmation = sentOf(trace, 'Confirmation').find((m) => m.sealed && m.recipient === seed.recipient && m.group === seed.group);
  assert.ok(seed && confirmation);
  const run = freshRun(seed.recipient);
  for (const m of [seed, confirmation]) {
    const first = deliver(run, m);
    assert.equal(first.error, null, `the first ${m.type} is accepted`);
    assert.equal(first.unchanged, false, `the first ${m.type} is taken in`);
    const { error, unchanged } = deliver(run, m);
    assert.equal(error?.code, 'replayed', `${m.type}: ${error?.message}`);
    assert.match(error.message, new RegExp(`${m.type} from ${m.sender} (was already received|for ${m.group}#${m.position} is not newer than the last one)`));
    assert.ok(unchanged, `the replayed ${m.type} changed the state`);
  }
  const check = run.state.slots[slotKey(seed.group, leaves.find((g) => g.id === seed.group)?.members.indexOf(seed.recipient) ?? -1)]?.check;
  assert.ok(check);
  assert.deepEqual(Object.values(check.seeds).map((s) => s.from), [seed.sender], 'the seed counted once');
  assert.deepEqual(Object.values(check.peerPrep).map((p) => p.from), [confirmation.sender]);
});

test('a seed for a query that does not validate, or for an inner group, is refused as not-in-plan', async () => {
  const trace = await honest();
  const seed = sentOf(trace, 'KeySeed')[0];
  const unvalidated = freshRun(seed.recipient, { ...world.query, validated: false });
  const refused = deliver(unvalidated, seed);
  assert.equal(refused.error?.code, 'not-in-plan');
  assert.match(refused.error.message, /KeySeed from .*: the query does not validate contributions/);
  assert.ok(refused.unchanged);

  const root = world.plan.groups.find((g) => g.parent === null);
  assert.ok(root);
  const inner = forged<KeySeed>({ ...seed, group: root.id, position: 0, sender: root.members[0], recipient: root.members[1] }, {});
  const run = freshRun(root.members[1]);
  const { error, unchanged } = deliver(run, inner);
  assert.equal(error?.code, 'not-in-plan');
  assert.match(error.message, new RegExp(`KeySeed from ${root.members[0]}: ${root.id} is not a leaf group`));
  assert.ok(unchanged);
  assert.equal(run.state.slots[slotKey(root.id, 1)]?.check, undefined, 'an inner slot has no check');
});

// ---- 3. the verification key ---------------------------------------------------------------

test('no seed of a leaf reaches one of its contributors: each goes from one member of the leaf to another', async () => {
  const trace = await honest();
  const seeds = trace.sent.filter((s) => s.message.type === 'KeySeed');
  assert.equal(seeds.length, leaves.length * K * (K - 1));
  for (const { to, message: m } of seeds) {
    assert.ok(m.type === 'KeySeed');
    const leaf = leaves.find((g) => g.id === m.group);
    assert.ok(leaf, `${m.group} is a leaf`);
    assert.notEqual(world.plan.zones[to], m.group, `${to} contributes to ${m.group} and received its seed`);
    assert.ok(leaf.members.includes(to) && leaf.members.includes(m.sender) && to !== m.sender, `${m.sender} sent a seed of ${m.group} to ${to}`);
    assert.equal(leaf.members[m.position], m.sender, 'the seed names its sender\'s position');
  }
});

// ---- 4. a lying leaf member ----------------------------------------------------------------

test('a leaf member with random prep shares makes its leaf reject every contribution, never accept one; the run still ends', async () => {
  const leaf = leaves.find((g) => zoneOf(g.id).length > 0);
  assert.ok(leaf);
  const liar = leaf.members[1];
  const lying: Prio3Performer = async (v, k, work, random) => {
    const outcome = await performPrio3(v, k, work, random);
    return outcome.kind === 'prepared' ? { ...outcome, prepShare: random(outcome.prepShare.length) } : outcome;
  };
  const trace = await drive({ cheats: new Map([[liar, lying]]) });
  const lost = zoneOf(leaf.id);
  const kept = [...world.rows.keys()].filter((w) => !lost.includes(w));
  if (trace.result) {
    assert.equal(trace.result.rejected, lost.length);
    assert.equal(trace.result.contributors, kept.length);
    assert.deepEqual(trace.result.values, plainValues(kept));
  } else {
    assert.match(trace.abort ?? '', /^too-few-contributors/);
  }
  for (const [position, w] of leaf.members.entries()) {
    const slot: SlotState | undefined = runOf(trace.runs, w).state.slots[slotKey(leaf.id, position)];
    assert.ok(slot?.check && slot.emitted, `${w} emitted`);
    assert.equal(slot.emitted.included, 0, `${w} included a contribution of ${leaf.id}`);
    assert.deepEqual(Object.keys(slot.check.rejected).sort(), [...lost].sort(), `${w} rejected them all`);
    for (const c of lost) assert.equal(slot.inputs[c]?.sum, UNVERIFIED, `${w} holds an output share of ${c}`);
  }
  for (const c of lost) assert.deepEqual(rejectedBy(trace, c), [...leaf.members].sort());
});
