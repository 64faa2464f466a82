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
//      never accept one, and the run still ends;
//   5. failures (the driver can kill an agent, restart one from its serialised state, or
//      make one's Prio3 work slow): under HighCompleteness a leaf member dying before it
//      confirmed (before or after its peers confirmed under the old key) is replaced by its
//      backup: the contributors re-send their payloads, the holders a seed, the key changes
//      and everything is prepared again under it; a backup zoned in that leaf has its own
//      contribution left out. Under SafeAndPrompt a member dead before sending its seed
//      leaves its leaf without a key: nothing of it is summed, the other leaf is published.
//      A leaf member restarted mid-preparation asks its work again; a contributor restarted
//      after answering re-sends its saved payload to a backup. Each result is exact.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregateSpec, AggregationQuery, AggregationResult, Confirmation, KeySeed, Message, Registration, StrategyName, WebId } from '../query-vocab/types.ts';
import { decode, encodeRows, type Row } from '../agent/core/encoding.ts';
import type { Action, Event, RunContext } from '../agent/core/io.ts';
import { generateKeys, type AgentKeys } from '../agent/core/keys.ts';
import { UNVERIFIED } from '../agent/core/leaf-check.ts';
import { shardContribution } from '../agent/core/prio3.ts';
import { performPrio3, type Prio3Performer, type Prio3Work } from '../agent/core/prio3-work.ts';
import { Run, deserialiseState, layoutOf } from '../agent/core/protocol.ts';
import { seededRandom } from '../agent/core/random.ts';
import { addInto, zeros, type Vec } from '../agent/core/ring.ts';
import { validationFor } from '../agent/core/runtime.ts';
import { candidates } from '../agent/core/backup.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import { topology } from '../agent/core/topology.ts';
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

/** How one run goes: its world, agents that misbehave, die or restart. */
interface Options {
  /** The world to run (default: the SafeAndPrompt world without backups). */
  world?: World;
  /** Their Prio3 work goes through these instead. */
  cheats?: Map<WebId, Prio3Performer>;
  /**
   * Checked before every step until it holds: then `victim` is dead, every message to or
   * from it dropped from then on, its pending work and timers gone; `detected` feeds
   * { type: 'peerFailed' } to every other run at that moment, else nobody is told.
   */
  kill?: { victim: WebId; when: (trace: Trace) => boolean; detected: boolean };
  /**
   * Checked before every step until it holds for `who`'s run: then that run is serialised,
   * read back into a new Run (the old one's pending work, sends and timers lost, as in a
   * crash) and fed { type: 'resume' }.
   */
  restart?: { who: WebId; when: (run: Run) => boolean };
  /** Agents whose Prio3 work is done only once nothing else is pending (before any timer). */
  slow?: Set<WebId>;
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
  /** Every piece of Prio3 work asked, by whom (work a dead agent asked is left out). */
  work: Array<{ by: WebId; work: Prio3Work }>;
  /** Index in `sent` at which the victim died (Options.kill), and what was dropped after. */
  killedAt: number | null;
  dropped: Array<{ from: WebId; to: WebId; message: Message }>;
  /** The restarted run's state as saved, and the actions its resume returned (Options.restart). */
  saved: string | null;
  resumed: Action[] | null;
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

function buildWorld(strategy: StrategyName = 'SafeAndPrompt', backupRatio = 0): World {
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
    params: { depth: 2, fanout: 2, groupSize: K, threshold: K, strategy, backupRatio, timeouts: { collectMs: 60_000, syncMs: 20_000, childMs: 20_000 } },
  });
  const rows = new Map(population.filter((w) => plan.zones[w] !== undefined).map((w, i): [WebId, Row[]] => [w, [{ x: (i * 37) % 101 }]]));
  return { population, keys, directory, query, plan, rows };
}

const world = buildWorld();
const layout = layoutOf(world);
const leaves = world.plan.groups.filter((g) => !world.plan.groups.some((c) => c.parent === g.id));
const zoneOf = (group: string) => [...world.rows.keys()].filter((w) => world.plan.zones[w] === group);

function contextOf(w: WebId, now: () => number, query = world.query, on = world, stream = 'run'): RunContext {
  const keys = on.keys.get(w);
  assert.ok(keys);
  return { self: w, keys, directory: on.directory, query, plan: on.plan, now, random: seededRandom(`core-validated/${stream}/${w}`) };
}

// ---- helpers ---------------------------------------------------------------------------------

/** The plain answer over `contributors`: their encoded vectors summed, decoded. */
function plainValues(contributors: WebId[], on = world) {
  const encoding = layoutOf(on);
  const sum = zeros(encoding.length);
  for (const w of contributors) addInto(sum, encodeRows(encoding, on.rows.get(w) ?? []), encoding.ring);
  return decode(encoding, sum);
}

/** Runs the whole query in memory; timers fire only when no message or work is pending. */
async function drive(opts: Options = {}): Promise<Trace> {
  const on = opts.world ?? world;
  const encoding = layoutOf(on);
  let clock = 0;
  const runs = new Map(on.population.map((w) => [w, new Run(contextOf(w, () => clock, on.query, on))]));
  const trace: Trace = { result: null, abort: null, sent: [], logs: new Map(), rejections: [], runs, work: [], killedAt: null, dropped: [], saved: null, resumed: null };
  const queue: Array<{ from: WebId; action: Action }> = [];
  const parked: Array<{ from: WebId; action: Action }> = [];
  const timers = new Map<string, { webId: WebId; name: string; at: number }>();
  const dead = new Set<WebId>();
  const feed = (w: WebId, event: Event) => {
    for (const action of runOf(runs, w).handle(event)) queue.push({ from: w, action });
  };
  /** What `w` had pending is lost: its queued actions and its timers. */
  const forget = (w: WebId) => {
    for (const list of [queue, parked]) for (let i = list.length - 1; i >= 0; i--) if (list[i].from === w) list.splice(i, 1);
    for (const [key, t] of timers) if (t.webId === w) timers.delete(key);
  };
  for (const w of on.population) feed(w, { type: 'start' });
  for (let steps = 0; steps < 100_000; steps++) {
    if (opts.kill && trace.killedAt === null && opts.kill.when(trace)) {
      const { victim, detected } = opts.kill;
      trace.killedAt = trace.sent.length;
      dead.add(victim);
      forget(victim);
      if (detected) for (const w of on.population) if (w !== victim) feed(w, { type: 'peerFailed', webId: victim });
    }
    if (opts.restart && trace.saved === null && opts.restart.when(runOf(runs, opts.restart.who))) {
      const { who } = opts.restart;
      trace.saved = runOf(runs, who).serialise();
      forget(who);
      // A fresh random stream: the restarted process does not replay the old one's draws.
      runs.set(who, new Run(contextOf(who, () => clock, on.query, on, 'restarted'), deserialiseState(trace.saved)));
      trace.resumed = runOf(runs, who).handle({ type: 'resume' });
      for (const action of trace.resumed) queue.push({ from: who, action });
    }
    const next = queue.shift() ?? parked.shift();
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
        if (dead.has(a.to)) {
          trace.dropped.push({ from, to: a.to, message: a.message });
          break;
        }
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
        if (opts.slow?.has(from) && queue.length > 0) {
          parked.push(next);
          break;
        }
        trace.work.push({ by: from, work: a.work });
        const perform = opts.cheats?.get(from) ?? performPrio3;
        const validation = validationFor(run.ctx);
        assert.ok(validation);
        const outcome = await perform(validation, K, a.work, run.ctx.random);
        feed(from, { type: 'prio3Done', work: a.work, outcome });
        break;
      }
      case 'evaluate': {
        const rows = on.rows.get(from);
        feed(from, rows ? { type: 'contribute', vector: encodeRows(encoding, rows), consent: `${from}#consent` } : { type: 'decline', reason: 'no rows' });
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

// ---- 5. failures -------------------------------------------------------------------------------

/** The same population and query under HighCompleteness, with one backup per leaf position. */
const replacing = buildWorld('HighCompleteness', 0.3);

const leavesOf = (on: World) => on.plan.groups.filter((g) => !on.plan.groups.some((c) => c.parent === g.id));
const zoneIn = (on: World, group: string) => [...on.rows.keys()].filter((w) => on.plan.zones[w] === group);
const slotOf = (trace: Trace, w: WebId, group: string, position: number): SlotState | undefined =>
  runOf(trace.runs, w).state.slots[slotKey(group, position)];
const keyLogs = (trace: Trace, w: WebId, group: string, position: number) =>
  (trace.logs.get(w) ?? []).filter((l) => l === `aggregator ${group}#${position}: verification key agreed with the group`).length;

/** A leaf position whose first backup is (or is not) zoned in that leaf, its member not the querier. */
function replaceable(on: World, backupZonedThere: boolean) {
  const topo = topology(on.plan);
  for (const leaf of leavesOf(on)) {
    for (const [position, victim] of leaf.members.entries()) {
      const backup = candidates(topo, leaf.id, position)[1];
      if (!backup || victim === on.query.querier || (on.plan.zones[backup] === leaf.id) !== backupZonedThere) continue;
      return { leaf, position, victim, backup, survivors: leaf.members.filter((w) => w !== victim) };
    }
  }
  assert.fail(`no leaf position whose backup is ${backupZonedThere ? '' : 'not '}in its zone`);
}

type Takeover = ReturnType<typeof replaceable>;

const holdingPosition = (s: Takeover, w: WebId) => (w === s.backup ? s.position : s.leaf.members.indexOf(w));

/**
 * A kill of `s.victim` before it confirmed: once every payload of its zone reached it, or
 * (`afterPeers`) once the survivors confirmed under the old key. Records the survivors'
 * keys at that moment.
 */
function killBeforeConfirming(on: World, s: Takeover, afterPeers: boolean) {
  const keysBefore = new Map<WebId, string | null>();
  const when = (t: Trace): boolean => {
    const slot = slotOf(t, s.victim, s.leaf.id, s.position);
    if (!slot?.check || slot.confirmed !== null || Object.keys(slot.check.payloads).length < zoneIn(on, s.leaf.id).length) return false;
    // Each survivor's confirmation reached every other member, the victim included.
    const confirmed = (w: WebId) => new Set(t.sent.filter((x) => x.message.type === 'Confirmation' && x.message.sender === w && x.message.group === s.leaf.id).map((x) => x.to));
    if (afterPeers && !s.survivors.every((w) => confirmed(w).size === K - 1)) return false;
    for (const w of s.survivors) keysBefore.set(w, slotOf(t, w, s.leaf.id, holdingPosition(s, w))?.check?.key ?? null);
    return true;
  };
  return { kill: { victim: s.victim, when, detected: true }, keysBefore };
}

/** The tag of the key a confirmation's prep shares were made under (opened with the recipient's key). */
function keyTagOf(m: Confirmation, on = world): string {
  assert.ok(m.sealed, `a confirmation from ${m.sender} without prep shares`);
  const secret = on.keys.get(m.recipient)?.x25519.secretKey;
  assert.ok(secret);
  const bytes = realCrypto.open(m.sealed, secret, { query: m.query, group: m.group, position: m.position, sender: m.sender, recipient: m.recipient, kind: 'prep' });
  const { key } = JSON.parse(new TextDecoder().decode(bytes)) as { key: string };
  return key;
}

/** Asserts that `s.backup` took over `s.victim`'s position under a new key and prepared everything again; returns the new key. */
function assertTakenOver(trace: Trace, on: World, s: Takeover, keysBefore: Map<WebId, string | null>): string {
  const zone = zoneIn(on, s.leaf.id);
  assert.ok(trace.killedAt !== null, 'the victim was killed');
  const after = trace.sent.slice(trace.killedAt);
  // The backup got the survivors' seeds, and each contributor's re-sent payload for the position.
  const seedsTo = after.filter((x) => x.to === s.backup && x.message.type === 'KeySeed').map((x) => x.message.sender).sort();
  assert.deepEqual(seedsTo, [...s.survivors].sort(), 'each surviving holder sealed its seed to the backup');
  const resent = after.filter((x) => x.to === s.backup && x.message.type === 'Contribution');
  assert.deepEqual(resent.map((x) => x.message.sender).sort(), [...zone].sort(), 'every contributor re-sent its payload to the backup');
  for (const x of resent) assert.equal(x.message.type === 'Contribution' && x.message.position, s.position);
  for (const c of zone) {
    assert.ok(trace.logs.get(c)?.includes(`contributor: ${s.victim} failed, share ${s.position} re-sent to backup ${s.backup}`), `${c} says it re-sent`);
  }
  // Nothing reached the dead member after it died, and it sent nothing.
  assert.equal(after.filter((x) => x.to === s.victim || x.message.sender === s.victim).length, 0);
  // The backup holds the position at rank 1 and agreed the same key as the survivors.
  const taken = slotOf(trace, s.backup, s.leaf.id, s.position);
  assert.ok(taken?.check?.key, 'the backup agreed a key');
  assert.equal(taken.rank, 1);
  const key = taken.check.key;
  for (const w of s.survivors) {
    const position = s.leaf.members.indexOf(w);
    const before = keysBefore.get(w);
    assert.ok(before, `${w} had agreed a key before the death`);
    assert.equal(slotOf(trace, w, s.leaf.id, position)?.check?.key, key, `${w} agreed the backup's key`);
    assert.notEqual(key, before, `${w}'s key changed with the holder`);
    assert.equal(keyLogs(trace, w, s.leaf.id, position), 2, `${w} agreed a key twice`);
  }
  // Every payload the leaf kept was prepared again under the new key, by every holder, and verified under it only.
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  for (const w of [...s.survivors, s.backup]) {
    const mine = trace.work.filter((x) => x.by === w && x.work.kind !== 'shard' && x.work.group === s.leaf.id);
    const underNew = (kind: 'prepare' | 'verify') =>
      mine.filter((x) => x.work.kind === kind && hex(x.work.key) === key).map((x) => (x.work.kind === kind ? x.work.contributor : '')).sort();
    const expected = Object.keys(slotOf(trace, w, s.leaf.id, holdingPosition(s, w))?.check?.payloads ?? {}).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(underNew('prepare'), expected, `${w} prepared every payload again under the new key`);
    assert.ok(underNew('verify').length > 0, `${w} verified under the new key`);
    const lastOld = mine.findLastIndex((x) => hex((x.work as { key: Uint8Array }).key) !== key);
    const firstNew = mine.findIndex((x) => hex((x.work as { key: Uint8Array }).key) === key);
    assert.ok(lastOld < firstNew, `${w} asked no work under the old key once it had the new one`);
    assert.equal(mine.filter((x) => x.work.kind === 'verify' && hex(x.work.key) !== key).length, 0, `${w} verified nothing under the old key`);
  }
  // The confirmations between the holders carried prep shares under one key before the
  // death and under another after it: each holder's last one to each other holder is new.
  const confirmations = (from: number, to?: number) =>
    trace.sent.slice(from, to).filter((x): x is { to: WebId; message: Confirmation } => x.message.type === 'Confirmation' && x.message.group === s.leaf.id && x.message.sealed !== undefined);
  const oldTags = new Set(confirmations(0, trace.killedAt).map((x) => keyTagOf(x.message, on)));
  assert.ok(oldTags.size <= 1, 'one key before the death');
  const holders = [...s.survivors, s.backup];
  const last = new Map<string, string>();
  for (const x of confirmations(trace.killedAt)) last.set(`${x.message.sender} → ${x.to}`, keyTagOf(x.message, on));
  for (const from of holders) {
    for (const to of holders) {
      if (from === to) continue;
      const tag = last.get(`${from} → ${to}`);
      assert.ok(tag, `${from} confirmed to ${to} after the death`);
      assert.ok(!oldTags.has(tag), `${from}'s last confirmation to ${to} carries prep shares under the new key`);
    }
  }
  assert.equal(new Set(last.values()).size, 1, 'one new key for all');
  assert.ok(trace.dropped.every((x) => x.to === s.victim), 'only messages to the dead member were dropped');
  return key;
}

/** Whether the victim's k payloads all reached its leaf before it died (then it counts), or none did; never some. */
function victimAnswer(trace: Trace, victim: WebId): boolean {
  const sent = trace.sent.filter((x) => x.message.type === 'Contribution' && x.message.sender === victim).length;
  assert.ok(sent === 0 || sent === K, `${sent} of the victim's ${K} payloads went out`);
  assert.equal(sent === K, answeredBeforeKill(trace, victim));
  return sent === K;
}

/** Whether all k payloads of `w` reached the leaf before the kill: then its contribution counts. */
function answeredBeforeKill(trace: Trace, w: WebId): boolean {
  const before = trace.sent.slice(0, trace.killedAt ?? undefined);
  return before.filter((x) => x.message.type === 'Contribution' && x.message.sender === w).length === K;
}

for (const afterPeers of [false, true]) {
  const when = afterPeers ? 'after its peers confirmed under the old key' : 'before anyone confirmed';
  test(`HighCompleteness: a leaf member dies after the seeds, ${when}: its backup takes over, a new key, everything prepared again, the result exact`, async () => {
    const s = replaceable(replacing, false);
    const { kill, keysBefore } = killBeforeConfirming(replacing, s, afterPeers);
    // A slow victim lets its peers confirm first.
    const trace = await drive({ world: replacing, kill, ...(afterPeers ? { slow: new Set([s.victim]) } : {}) });
    assertTakenOver(trace, replacing, s, keysBefore);
    if (afterPeers) {
      for (const w of s.survivors) {
        const told = trace.sent.slice(0, trace.killedAt ?? 0).filter((x) => x.message.type === 'Confirmation' && x.message.sender === w).map((x) => x.to);
        assert.deepEqual(told.sort(), s.leaf.members.filter((x) => x !== w).sort(), `${w} confirmed to every other member before the death`);
      }
    }
    assert.ok(trace.result, trace.abort ?? 'no result');
    assert.equal(trace.result.rejected, 0);
    // The victim contributes to the other leaf. Dying once its own zone's payloads were all in,
    // it had answered too; slow, its sharding was still pending: its answer never went out.
    const contributed = answeredBeforeKill(trace, s.victim);
    assert.equal(contributed, !afterPeers, `the victim ${afterPeers ? 'had not' : 'had'} answered before it died`);
    const included = [...replacing.rows.keys()].filter((w) => w !== s.victim || contributed);
    assert.equal(trace.result.contributors, included.length);
    assert.deepEqual(trace.result.values, plainValues(included, replacing));
    assert.deepEqual(trace.rejections.map((r) => `${r.to}: ${r.error.code}: ${r.error.message}`), []);
    for (const w of [...s.survivors, s.backup]) {
      const slot = slotOf(trace, w, s.leaf.id, holdingPosition(s, w));
      assert.equal(slot?.emitted?.included, zoneIn(replacing, s.leaf.id).length, `${w} summed the whole zone`);
      assert.deepEqual(slot.check?.rejected, {});
    }
  });
}

for (const afterPeers of [false, true]) {
  const when = afterPeers ? ', after its peers confirmed it under the old key' : '';
  test(`HighCompleteness: the backup that takes over is zoned in that leaf${when}: it now knows the key, so its own contribution is left out, the rest exact`, async () => {
    const s = replaceable(replacing, true);
    const zone = zoneIn(replacing, s.leaf.id);
    assert.ok(zone.includes(s.backup), 'the backup contributes to the leaf it takes over');
    const { kill, keysBefore } = killBeforeConfirming(replacing, s, afterPeers);
    const trace = await drive({ world: replacing, kill, ...(afterPeers ? { slow: new Set([s.victim]) } : {}) });
    if (afterPeers) {
      for (const w of s.survivors) {
        const before = trace.sent.slice(0, trace.killedAt ?? 0).filter((x) => x.message.type === 'Confirmation' && x.message.sender === w);
        assert.ok(before.length > 0 && before.every((x) => x.message.type === 'Confirmation' && x.message.contributors.includes(s.backup)), `${w} confirmed the backup's contribution before the death`);
      }
    }
    assertTakenOver(trace, replacing, s, keysBefore);
    // Its payload for the position went to the victim, so it re-sent it: to itself, now the holder.
    assert.ok(trace.sent.slice(trace.killedAt ?? 0).some((x) => x.to === s.backup && x.message.sender === s.backup && x.message.type === 'Contribution'));
    assert.ok(trace.result, trace.abort ?? 'no result');
    assert.equal(trace.result.rejected, 0, 'left out, not rejected: nobody found it invalid');
    // The victim contributes to the other leaf: it counts if its answer went out before it died.
    const contributed = victimAnswer(trace, s.victim);
    const included = [...replacing.rows.keys()].filter((w) => w !== s.backup && (w !== s.victim || contributed));
    assert.equal(trace.result.contributors, included.length);
    assert.deepEqual(trace.result.values, plainValues(included, replacing));
    assert.notDeepEqual(trace.result.values, plainValues([...included, s.backup], replacing), 'the backup\'s row would change the result');
    for (const w of [...s.survivors, s.backup]) {
      const slot = slotOf(trace, w, s.leaf.id, holdingPosition(s, w));
      assert.ok(slot?.emitted && slot.confirmed, `${w} confirmed and emitted`);
      assert.equal(slot.emitted.included, zone.length - 1, `${w} summed the zone but the backup`);
      // A survivor that had confirmed the backup's contribution re-sends that entry set with
      // its new prep shares (aggregator.ts onSlotWork); harmless, as nobody sums it.
      if (w === s.backup || !afterPeers) assert.ok(!slot.confirmed.includes(s.backup), `${w} confirmed without the backup`);
      assert.ok(!slot.versions[slot.emitted.version].includes(s.backup), `${w}'s sum leaves the backup out`);
      assert.ok(slot.check?.payloads[s.backup], `${w} holds the backup's payload all the same`);
    }
  });
}

for (const detected of [true, false]) {
  const how = detected ? 'found dead' : 'never found dead (timers end the waits)';
  test(`SafeAndPrompt: a leaf member dies before sending its seed, ${how}: its leaf agrees no key and sums nothing unverified; the run publishes the other leaf`, async () => {
    const leaf = leaves.find((g) => zoneOf(g.id).length > 0 && g.members.some((w) => w !== world.query.querier));
    assert.ok(leaf);
    const victim = leaf.members.find((w) => w !== world.query.querier);
    assert.ok(victim);
    const survivors = leaf.members.filter((w) => w !== victim);
    const other = leaves.find((g) => g !== leaf);
    assert.ok(other);
    const trace = await drive({ kill: { victim, when: () => true, detected } });
    assert.equal(trace.killedAt, 0, 'dead before anything was sent');
    assert.equal(trace.sent.filter((x) => x.message.sender === victim).length, 0, 'it sent nothing, no seed');
    // No key at the leaf, so nothing prepared, verified or summed there.
    for (const w of survivors) {
      const position = leaf.members.indexOf(w);
      const slot = slotOf(trace, w, leaf.id, position);
      assert.ok(slot?.check, `${w} holds its position`);
      assert.equal(slot.check.key, null, `${w} agreed no key`);
      assert.equal(keyLogs(trace, w, leaf.id, position), 0);
      assert.deepEqual(Object.keys(slot.check.payloads).sort(), [...zoneOf(leaf.id)].sort(), `${w} got every payload`);
      assert.deepEqual(slot.check.prep, {});
      assert.deepEqual(slot.check.rejected, {});
      for (const [c, input] of Object.entries(slot.inputs)) assert.equal(input.sum.length, 0, `${w} holds no output share of ${c}`);
      assert.equal(trace.work.filter((x) => x.by === w && x.work.kind !== 'shard' && x.work.group === leaf.id).length, 0, `${w} asked no Prio3 work for ${leaf.id}`);
      assert.equal(slot.phase, 'emitted');
      assert.equal(slot.emitted?.included, 0, `${w} summed nothing`);
      assert.equal(slot.emitted.rejected, undefined, 'nothing counted as rejected: nobody could check it');
      // Its confirmation, with no key, names no contribution and carries no prep shares.
      const confirmations = trace.sent.filter((x) => x.message.type === 'Confirmation' && x.message.sender === w && x.message.group === leaf.id).map((x) => x.message);
      assert.ok(confirmations.length > 0);
      for (const m of confirmations) assert.ok(m.type === 'Confirmation' && m.contributors.length === 0 && m.sealed === undefined);
    }
    assert.ok(trace.result, trace.abort ?? 'no result');
    // The victim is zoned in the other leaf, and died before answering it.
    assert.equal(world.plan.zones[victim], other.id);
    const kept = zoneOf(other.id).filter((w) => w !== victim);
    assert.equal(trace.result.contributors, kept.length);
    // The lost leaf's contributions were received and count against completeness, not as rejected.
    assert.equal(trace.result.completeness, kept.length / (kept.length + zoneOf(leaf.id).length));
    assert.equal(trace.result.rejected, 0);
    assert.deepEqual(trace.result.values, plainValues(kept));
    assert.deepEqual(trace.rejections.map((r) => `${r.to}: ${r.error.code}: ${r.error.message}`), []);
  });
}

test('a leaf member restarts from its saved state after preparing some contributions, before confirming: it asks its Prio3 work again and the result is exact', async () => {
  const leaf = leaves.find((g) => zoneOf(g.id).length > 1 && g.members.some((w) => w !== world.query.querier));
  assert.ok(leaf);
  const who = leaf.members.find((w) => w !== world.query.querier);
  assert.ok(who);
  const position = leaf.members.indexOf(who);
  const when = (run: Run): boolean => {
    const slot = run.state.slots[slotKey(leaf.id, position)];
    const prepared = Object.keys(slot?.check?.prep ?? {}).length;
    return slot?.confirmed === null && prepared > 0 && prepared < zoneOf(leaf.id).length;
  };
  const trace = await drive({ restart: { who, when } });
  assert.ok(trace.saved && trace.resumed, 'the member restarted');
  const saved = deserialiseState(trace.saved).slots[slotKey(leaf.id, position)];
  assert.ok(saved?.check?.key, 'it had agreed the key');
  assert.equal(saved.confirmed, null, 'it had not confirmed');
  // The prep shares made before the crash are read back as bytes (Prio3 hands out Buffers).
  for (const [c, share] of Object.entries(saved.check.prep)) assert.ok(share instanceof Uint8Array && share.length > 0, `the saved prep share for ${c} is bytes: ${JSON.stringify(share).slice(0, 40)}`);
  const done = Object.keys(saved.check.prep);
  const pending = Object.keys(saved.check.payloads).filter((c) => !done.includes(c));
  assert.ok(done.length > 0 && pending.length > 0, `prepared ${done.length}, ${pending.length} to go`);
  // The resume asks again exactly the preparations the lost process had not finished, under the saved key.
  const asked = trace.resumed.flatMap((a) => (a.type === 'prio3' && a.work.kind === 'prepare' ? [a.work] : []));
  assert.deepEqual(asked.map((w) => w.contributor).sort(), [...pending].sort());
  for (const w of asked) assert.equal(Buffer.from(w.key).toString('hex'), saved.check.key);
  assert.ok(trace.resumed.some((a) => a.type === 'setTimer' && a.name === `ready|${leaf.id}|${position}`), 'its deadline re-armed');
  // The restarted run prepared and verified every contribution of its zone, and summed them all.
  const slot = slotOf(trace, who, leaf.id, position);
  assert.ok(slot?.check && slot.emitted);
  assert.equal(slot.check.key, saved.check.key, 'the key survived the restart');
  assert.equal(keyLogs(trace, who, leaf.id, position), 1, 'agreed once, before the restart');
  assert.deepEqual(Object.keys(slot.check.prep).sort(), [...zoneOf(leaf.id)].sort());
  assert.equal(slot.emitted.included, zoneOf(leaf.id).length);
  for (const c of zoneOf(leaf.id)) assert.ok(slot.inputs[c].sum.length > 0, `${c}'s output share verified after the restart`);
  assert.ok(trace.result, trace.abort ?? 'no result');
  assert.equal(trace.result.rejected, 0);
  assert.equal(trace.result.contributors, POPULATION);
  assert.deepEqual(trace.result.values, plainValues([...world.rows.keys()]));
  assert.deepEqual(trace.rejections.map((r) => `${r.to}: ${r.error.code}: ${r.error.message}`), []);
});

test('HighCompleteness: a contributor restarts from its saved state after answering, then a member of its leaf dies: it re-sends its saved payload to the backup, the result exact', async () => {
  const s = replaceable(replacing, false);
  const who = zoneIn(replacing, s.leaf.id).find((w) => w !== replacing.query.querier && w !== s.backup);
  assert.ok(who);
  const { kill: base, keysBefore } = killBeforeConfirming(replacing, s, false);
  const trace = await drive({
    world: replacing,
    restart: { who, when: (run) => run.state.contributor?.kind === 'payloads' },
    kill: { ...base, when: (t) => t.saved !== null && base.when(t) },
  });
  assert.ok(trace.saved && trace.resumed, 'the contributor restarted');
  const answer = deserialiseState(trace.saved).contributor;
  assert.ok(answer?.kind === 'payloads');
  for (const [p, payload] of answer.payloads.entries()) assert.ok(payload instanceof Uint8Array && payload.length > 0, `saved payload ${p} is bytes: ${JSON.stringify(payload).slice(0, 40)}`);
  assertTakenOver(trace, replacing, s, keysBefore);
  assert.deepEqual(trace.rejections.map((r) => `${r.to}: ${r.error.code}: ${r.error.message}`), []);
  const slot = slotOf(trace, s.backup, s.leaf.id, s.position);
  assert.ok(slot?.inputs[who] && slot.inputs[who].sum.length > 0, 'the backup verified the restarted contributor\'s payload');
  assert.ok(trace.result, trace.abort ?? 'no result');
  assert.equal(trace.result.rejected, 0);
  const included = [...replacing.rows.keys()].filter((w) => w !== s.victim || victimAnswer(trace, s.victim));
  assert.equal(trace.result.contributors, included.length);
  assert.deepEqual(trace.result.values, plainValues(included, replacing));
});
