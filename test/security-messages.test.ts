// Adversarial messages during a real run: one demo (10 pods on the embedded server), one
// query, and while its leaves collect, real authenticated agents post hostile documents
// into the real inboxes of the plan's aggregators. Each must be refused with a reason in
// the run journal and leave the result exact. The attackers are an intruder account made
// on the same server (outside the population, its own keys) and members whose key files
// we read, as a compromised agent would (two of them refuse the query; one is a real
// contributor whose genuine share we replay, alter and duplicate).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, Writer } from 'n3';
import { EX, PA, parseKeySheet, parseMessage, parsePlan, parseQuery, serializeKeySheet, serializeMessage, serializePlan, serializeQuery, documentOf } from '../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, Announcement, Contribution, Message, PartialAggregate, Registration } from '../query-vocab/types.ts';
import type { AgentKeys } from '../agent/core/keys.ts';
import { Run, layoutOf } from '../agent/core/protocol.ts';
import { vecToBytes, zeros } from '../agent/core/ring.ts';
import { seal } from '../agent/core/seal.ts';
import { signMessage } from '../agent/core/sign.ts';
import type { Action } from '../agent/core/io.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { keyFilePath, loadOrCreateKeys } from '../agent/solid/keyfile.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { getTurtle, postTurtle, putTurtle } from '../agent/solid/pod.ts';
import { loadPopulation } from '../agent/solid/population.ts';
import { provision } from '../agent/solid/provision.ts';
import { publishQuery } from '../agent/solid/publish.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';
import { startDemo, type Demo, type DemoOutcome } from '../demo/demo.ts';
import { createAccount } from '../solid-server/accounts.ts';
import { freePorts } from '../harness/ports.ts';
import { waitForEvent } from './helpers/journal.ts';
import { tapPosts, type Wiretap } from './helpers/wiretap.ts';

const EXAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'queries', 'mean-steps.ttl');

interface Actor {
  webId: string;
  keys: AgentKeys;
}

/** What one attack posted, and how to recognise its refusal in the journal. */
interface Posted {
  at: number;
  url: string;
}

let demo: Demo;
let intruderSession: AgentSession | undefined;
let outcome: DemoOutcome;
let query: AggregationQuery;
let plan: AggregationPlan;
const events: RunEvent[] = [];
const posted = new Map<string, Posted>();
const who: Record<string, string> = {};
let intruderQueries: { doctored: string; service: string; crossProduct: string; falseSheet?: string };
let leavesEmittedAt = Infinity;
let tap: Wiretap | undefined;

const waitFor = (pred: (e: RunEvent) => boolean, ms: number, what: string) => waitForEvent(demo.host.journal, events, pred, ms, what);

const now = () => new Date().toISOString();

/** A message document without the given properties: what our serialiser would never write. */
function withoutPredicates(m: Message, predicates: string[]): string {
  const base = `${m.recipient}-draft`; // any base: the subject is written back as <>
  const quads = new Parser({ baseIRI: base }).parse(serializeMessage(m)).filter((q) => !predicates.includes(q.predicate.value));
  return new Writer({ baseIRI: base }).quadsToString(quads);
}

before(async () => {
  // A shorter evaluation limit than the default 20 s: the cross product below runs into it.
  demo = await startDemo({ pods: 10, port: await freePorts(), collectMs: 20_000, agents: { evaluationLimitMs: 6_000 } });
  demo.host.journal.on('event', (e) => events.push(e));
  const { credentials, querier } = demo;
  const fetchOf = (w: string) => demo.host.get(w).session.fetch;
  const keysOf = async (c: Credential): Promise<Actor> => ({ webId: c.webId, keys: (await loadOrCreateKeys(keyFilePath(demo.stateDir, c.webId), c.webId)).keys });

  // The intruder: a real account on the same server, provisioned (profile keys, inbox), never registered.
  const baseUrl = new URL('/', querier.podUrl).href;
  const intruderCred = await createAccount(baseUrl, 'intruder', 'intruder-password-1');
  const session = await login(intruderCred);
  intruderSession = session;
  const intruderState = mkdtempSync(path.join(os.tmpdir(), 'podagg-intruder-'));
  const intruder: Actor = { webId: intruderCred.webId, keys: (await provision(session, intruderCred, intruderState)).keys };
  const ifetch = session.fetch;

  // Demo owners 1 and 2 refuse research purposes (demoPolicy): they never contribute.
  const refuserA = await keysOf(credentials[1]);
  const refuserB = await keysOf(credentials[2]);
  const snapshot = await loadPopulation(ifetch, demo.population, demo.host.peers);
  const reg = (w: string): Registration => {
    const r = snapshot.members.get(w);
    assert.ok(r, `${w} is registered`);
    return r;
  };

  // The intruder's own queries over the same population: honest plans, then doctored.
  const example = await readFile(EXAMPLE, 'utf8');
  const withSelection = (selection: string) => example.replace(/pa:selection """[\s\S]*?"""/, `pa:selection """${selection}"""`);
  const intruderPublish = (turtle: string) =>
    publishQuery({ session, podUrl: intruderCred.podUrl, turtle, population: demo.population, peers: demo.host.peers, overrides: { minContributors: 3 } });
  const doctored = await intruderPublish(example);
  // The intruder puts itself at the first aggregator position, where it would receive shares.
  const badPlan = { ...doctored.plan, groups: doctored.plan.groups.map((g, i) => (i === 0 ? { ...g, members: [intruder.webId, ...g.members.slice(1)] } : g)) };
  await putTurtle(ifetch, doctored.plan.id, serializePlan(badPlan));
  const service = await intruderPublish(example);
  const endpoint = new URL('sparql', intruderCred.podUrl).href;
  const serviceSelection = `PREFIX pa-ex: <${EX.$}> SELECT ?steps WHERE { SERVICE <${endpoint}> { ?day pa-ex:steps ?steps } }`;
  await putTurtle(ifetch, service.query.id, serializeQuery({ ...service.query, selection: serviceSelection }));
  // Four-way cross product of every triple in scope, filtered to nothing: only the time limit stops it.
  const cross = await intruderPublish(
    withSelection(`PREFIX pa-ex: <${EX.$}> SELECT ?steps WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?day pa-ex:steps ?steps .
      FILTER (STRLEN(CONCAT(STR(?c), STR(?f), STR(?i), STR(?steps))) < 0) }`),
  );
  intruderQueries = { doctored: doctored.query.id, service: service.query.id, crossProduct: cross.query.id };
  // Its target must hold no aggregator slot in that plan, or its run would announce the query on.
  const inGroups = (p: AggregationPlan, w: string) => p.groups.some((g) => g.members.includes(w)) || p.backups.includes(w);
  const crossTarget = credentials.slice(3).find((c) => c.webId !== querier.webId && !inGroups(cross.plan, c.webId));
  assert.ok(crossTarget, 'a member outside the cross-product plan');
  // An honest plan whose key sheet for the target's zone the intruder then changes: its digest in the plan no longer matches.
  const falseSheet = await intruderPublish(example);
  const leafSheet = falseSheet.plan.keySheets?.find((k) => k.kind === 'zone' && k.group === falseSheet.plan.zones[crossTarget.webId]);
  assert.ok(leafSheet, "the target's zone has a key sheet");
  const sheetDoc = documentOf(leafSheet.sheet);
  const sheet = parseKeySheet(await getTurtle(ifetch, sheetDoc), sheetDoc);
  const victim = Object.keys(sheet.runKeys).find((w) => w !== crossTarget.webId)!;
  await putTurtle(ifetch, sheetDoc, serializeKeySheet({ ...sheet, runKeys: { ...sheet.runKeys, [victim]: { ...sheet.runKeys[victim], x25519: intruder.keys.x25519.publicKey } } }));
  intruderQueries.falseSheet = falseSheet.query.id;

  // ---- the real run --------------------------------------------------------------------
  const inboxes = new Set([...snapshot.members.values()].map((r) => r.inbox));
  tap = tapPosts((url) => inboxes.has(url));
  const running = demo.publish('mean-steps');
  const announced = await waitFor((e) => e.kind === 'announced' && e.webId === querier.webId, 30_000, 'the run to start');
  const qfetch = fetchOf(querier.webId);
  const queryDoc = documentOf(announced.query);
  query = parseQuery(await getTurtle(qfetch, queryDoc), queryDoc);
  assert.ok(announced.plan);
  plan = parsePlan(await getTurtle(qfetch, announced.plan), announced.plan);
  const length = layoutOf({ query, plan }).length;
  const groupOf = (w: string) => plan.groups.find((g) => g.id === plan.zones[w]);
  /** A position of the sender's leaf group held by someone else, and its holder. */
  const slotFor = (sender: string) => {
    const g = groupOf(sender);
    assert.ok(g, `${sender} has a zone`);
    const position = g.members.findIndex((m) => m !== sender);
    return { group: g.id, position, recipient: g.members[position] };
  };
  const post = async (name: string, inbox: string, body: string, fetch = ifetch) => {
    posted.set(name, { at: Date.now(), url: await postTurtle(fetch, inbox, body) });
  };
  const postMessage = (name: string, m: Message, fetch = ifetch) => post(name, reg(m.recipient).inbox, serializeMessage(m), fetch);
  const contribution = (from: Actor, o: { sealTo?: string; tamper?: boolean; sender?: string; query?: string } = {}): Contribution => {
    const sender = o.sender ?? from.webId;
    const slot = slotFor(plan.zones[sender] ? sender : refuserA.webId);
    const ctx = { query: o.query ?? query.id, group: slot.group, position: slot.position, sender, recipient: slot.recipient, kind: 'share' };
    const sealed = seal(vecToBytes(zeros(length)), reg(o.sealTo ?? slot.recipient).x25519, ctx);
    if (o.tamper) sealed[sealed.length - 20] ^= 1;
    const { kind: _kind, ...envelope } = ctx;
    return signMessage<Contribution>({ type: 'Contribution', ...envelope, sentAt: now(), consent: `${podLayout(intruderCred.podUrl).consentLog}forged`, sealed }, from.keys.ed25519.secretKey);
  };
  const recipientOf = (sender: string) => slotFor(sender).recipient;
  who.refuserA = refuserA.webId;
  who.refuserB = refuserB.webId;
  who.intruder = intruder.webId;
  who.querier = querier.webId;
  who.crossTarget = crossTarget.webId;

  // Documents that never parse.
  await post('malformed', reg(recipientOf(refuserA.webId)).inbox, '<> a <#Contribution> ; this is not Turtle <<<');
  await post('shapes', reg(recipientOf(refuserA.webId)).inbox, withoutPredicates(contribution(refuserA), [PA.sealed, PA.position]));
  await post('unsigned', reg(recipientOf(refuserA.webId)).inbox, withoutPredicates(contribution(refuserA), [PA.signature]));
  await post('oversized', reg(recipientOf(refuserA.webId)).inbox, `# ${'x'.repeat(9 * 1024 * 1024)}\n`);
  // Signed, but refused by admission or when opened.
  await postMessage('unknown-query', contribution(intruder, { sender: intruder.webId, query: `${podLayout(intruderCred.podUrl).queries}no-such-query` }));
  await postMessage('outsider', contribution(intruder));
  await postMessage('forged', contribution(intruder, { sender: refuserA.webId }));
  const elsewhere = credentials.find((c) => c.webId !== recipientOf(refuserA.webId));
  assert.ok(elsewhere);
  await postMessage('wrong-key', contribution(refuserA, { sealTo: elsewhere.webId }));
  await postMessage('tampered', contribution(refuserB, { tamper: true }));
  const stranger = credentials.find((c) => c.webId !== querier.webId && !inGroups(plan, c.webId));
  assert.ok(stranger, 'a member that is no aggregator');
  who.stranger = stranger.webId;
  const strangerActor = await keysOf(stranger);
  const root = plan.groups.find((g) => g.parent === null)!;
  const partialCtx = { query: query.id, group: root.id, position: 0, sender: stranger.webId, recipient: querier.webId, kind: 'partial' };
  const { kind: _k, ...partialEnvelope } = partialCtx;
  await postMessage('not-a-child', signMessage<PartialAggregate>({
    type: 'PartialAggregate', ...partialEnvelope, sentAt: now(), versionId: 'forged', counter: 0, included: 50, received: 50,
    sealed: seal(vecToBytes(zeros(length)), reg(querier.webId).x25519, partialCtx),
  }, strangerActor.keys.ed25519.secretKey));
  const announce = (q: { query: AggregationQuery; plan: AggregationPlan }, to: string) =>
    signMessage<Announcement>({ type: 'Announcement', query: q.query.id, plan: q.plan.id, sender: intruder.webId, recipient: to, sentAt: now() }, intruder.keys.ed25519.secretKey);
  await postMessage('doctored-plan', announce(doctored, crossTarget.webId));
  await postMessage('false-sheet', announce(falseSheet, crossTarget.webId));
  await postMessage('service', announce(service, crossTarget.webId));

  // Replay, alteration and duplicate of a genuine share, once it has been counted.
  const received = await waitFor(
    (e) => e.kind === 'received' && e.query === query.id && e.messageType === 'Contribution' && e.peer !== e.webId,
    20_000, 'a genuine contribution');
  const recipient = received.webId;
  const contributor = (await keysOf(credentials.find((c) => c.webId === received.peer)!));
  who.contributor = contributor.webId;
  who.recipient = recipient;
  // The recipient deleted it once handled: the copy is the one the provider was given.
  let genuine: { body: string; message: Contribution } | undefined;
  for (const { url, body } of tap.posts) {
    if (url !== reg(recipient).inbox) continue;
    let m: Message;
    try {
      m = parseMessage(body, `${url}tapped`);
    } catch {
      continue; // one of the hostile documents above
    }
    if (m.type === 'Contribution' && m.query === query.id && m.sender === contributor.webId) genuine = { body, message: m };
  }
  assert.ok(genuine, 'the genuine contribution was posted');
  await post('replayed', reg(recipient).inbox, genuine.body);
  const altered = genuine.message.sealed.slice();
  altered[altered.length - 1] ^= 1;
  await postMessage('altered-in-transit', { ...genuine.message, sealed: altered });
  const { signature: _s, ...unsigned } = genuine.message;
  const ctx = { ...unsigned, kind: 'share' };
  const other = zeros(length);
  other[0] = 123_456n;
  await postMessage('duplicate', signMessage<Contribution>({ ...unsigned, sentAt: now(), sealed: seal(vecToBytes(other), reg(recipient).x25519, ctx) }, contributor.keys.ed25519.secretKey));

  // The cross product, once its target is done with the real query (it would slow that down).
  await waitFor((e) => e.webId === crossTarget.webId && e.query === query.id && (e.kind === 'contributed' || /declined/.test(e.text)), 20_000, 'the target to answer');
  await postMessage('cross-product', announce(cross, crossTarget.webId));

  outcome = await running;
  leavesEmittedAt = Math.min(...events.filter((e) => e.query === query.id && /^aggregator .*: sent version/.test(e.text)).map((e) => Date.parse(e.at)));
  await waitFor((e) => e.query === cross.query.id && e.webId === crossTarget.webId && /declined/.test(e.text), 40_000, 'the cross product to be stopped');
  await waitFor((e) => e.query === falseSheet.query.id && e.kind === 'rejected', 40_000, 'the query with a false key sheet to be refused');
});

after(async () => {
  tap?.stop();
  await intruderSession?.logout();
  await demo?.stop();
});

/** The journal's refusals of one posted document (matched by URL) or signed message (by recipient, sender, type). */
const rejections = (f: (e: RunEvent) => boolean) => events.filter((e) => e.kind === 'rejected' && f(e));
const byUrl = (name: string) => {
  const p = posted.get(name);
  assert.ok(p, `${name} was posted`);
  return rejections((e) => e.text.includes(p.url));
};
const bySender = (peer: string, type: string) => rejections((e) => e.peer === peer && e.messageType === type && e.query === query.id);

test('the run ends with the exact result and the right number of contributors', () => {
  assert.equal(outcome.abort, undefined);
  assert.equal(outcome.exact, true, JSON.stringify({ published: outcome.published?.values, plain: outcome.plain.values }));
  assert.equal(outcome.published?.contributors, outcome.plain.contributors);
  assert.ok(outcome.plain.contributors >= 3);
  // No hostile message was accepted (the refusers and the stranger may hold aggregator or
  // backup slots, so their other messages are genuine), and no agent failed on one.
  const accepted = (peer: string, type: string) => events.filter((e) => e.kind === 'received' && e.query === query.id && e.peer === peer && e.messageType === type);
  assert.deepEqual([who.intruder, who.refuserA, who.refuserB].flatMap((w) => accepted(w, 'Contribution')), []);
  assert.deepEqual(accepted(who.intruder, 'Announcement'), []);
  assert.deepEqual(accepted(who.stranger, 'PartialAggregate'), []);
  assert.deepEqual(events.filter((e) => /internal error/.test(e.text)).map((e) => e.text), []);
});

test('every attack was posted while the leaves were still collecting', () => {
  for (const [name, p] of posted) {
    if (name !== 'cross-product') assert.ok(p.at < leavesEmittedAt, `${name} posted ${p.at - leavesEmittedAt} ms after the leaves emitted`);
  }
});

test('malformed RDF is refused with the syntax error', () => {
  const [e] = byUrl('malformed');
  assert.match(e?.reason ?? '', /Turtle syntax error/);
});

test('a document that fails the shapes is refused, naming the missing properties', () => {
  const [e] = byUrl('shapes');
  assert.match(e?.reason ?? '', /sealed/);
  assert.match(e?.reason ?? '', /position/);
});

test('a message without a signature is refused unparsed', () => {
  const [e] = byUrl('unsigned');
  assert.match(e?.reason ?? '', /signature/);
});

test('an oversized payload is refused from its length, before it is read or parsed', () => {
  const [e] = byUrl('oversized');
  assert.match(e?.reason ?? '', /over the \d+-byte limit/);
});

test('a contribution for an unknown query is refused', () => {
  const e = rejections((x) => x.peer === who.intruder && x.query.endsWith('no-such-query'));
  assert.equal(e.length, 1);
  assert.match(e[0].reason ?? '', /unknown or invalid query .* 404/);
});

test('a contribution from a WebID outside the population is refused as unknown-sender', () => {
  assert.match(bySender(who.intruder, 'Contribution')[0]?.reason ?? '', /^unknown-sender: /);
});

test('a contribution forged in the name of a member who refused consent fails its signature', () => {
  const e = bySender(who.refuserA, 'Contribution').filter((x) => /^bad-signature: /.test(x.reason ?? ''));
  assert.equal(e.length, 1);
});

test('a share sealed to another recipient is refused as wrong-recipient', () => {
  const e = bySender(who.refuserA, 'Contribution').filter((x) => /^wrong-recipient: payload is sealed to another key/.test(x.reason ?? ''));
  assert.equal(e.length, 1);
});

test('a tampered ciphertext, re-signed by its sender, fails authenticated decryption', () => {
  assert.match(bySender(who.refuserB, 'Contribution')[0]?.reason ?? '', /^tampered: /);
});

test('a genuine contribution altered in transit fails its signature', () => {
  const e = bySender(who.contributor, 'Contribution').filter((x) => /^bad-signature: /.test(x.reason ?? ''));
  assert.deepEqual(e.map((x) => x.webId), [who.recipient]);
});

test('a replayed contribution is refused as replayed', () => {
  const e = bySender(who.contributor, 'Contribution').filter((x) => /^replayed: /.test(x.reason ?? ''));
  assert.deepEqual(e.map((x) => x.webId), [who.recipient]);
});

test('a second, different contribution from the same contributor is reported and not counted', () => {
  const e = bySender(who.contributor, 'Contribution').filter((x) => /^duplicate-contribution: /.test(x.reason ?? ''));
  assert.deepEqual(e.map((x) => x.webId), [who.recipient]);
});

test('a partial aggregate from a node that is not a child in the plan is refused as not-in-plan', () => {
  const e = bySender(who.stranger, 'PartialAggregate');
  assert.equal(e.length, 1);
  assert.equal(e[0].webId, who.querier);
  assert.match(e[0].reason ?? '', /^not-in-plan: /);
});

test('a query with a doctored plan is refused before the agent consents to anything', () => {
  const e = rejections((x) => x.query === intruderQueries.doctored);
  assert.equal(e.length, 1);
  // The intruder in place of member 0 changes the population the ranking is recomputed
  // over, so the first difference is member 0 or a later one, as the nonce ranks them.
  assert.match(e[0].reason ?? '', /plan .*group g member \d+ is .*, expected /);
  assert.deepEqual(events.filter((x) => x.query === intruderQueries.doctored && x.kind !== 'rejected'), []);
});

test('a query whose key sheet was changed after publication is refused before the agent consents to anything', () => {
  const e = rejections((x) => x.query === intruderQueries.falseSheet);
  assert.equal(e.length, 1);
  assert.match(e[0].reason ?? '', /key sheet .* does not match the digest the plan gives it/);
  assert.deepEqual(events.filter((x) => x.query === intruderQueries.falseSheet && x.kind !== 'rejected'), []);
});

test('a query whose selection uses SERVICE is refused before the agent consents to anything', () => {
  const e = rejections((x) => x.query === intruderQueries.service);
  assert.equal(e.length, 1);
  assert.match(e[0].reason ?? '', /SERVICE/);
  assert.deepEqual(events.filter((x) => x.query === intruderQueries.service && x.kind !== 'rejected'), []);
});

test('a huge cross product is stopped by the time limit and the agent declines', () => {
  const mine = events.filter((x) => x.query === intruderQueries.crossProduct && x.webId === who.crossTarget);
  assert.ok(mine.some((x) => x.kind === 'log' && /over its time limit/.test(x.text)), mine.map((x) => x.text).join('\n'));
  assert.ok(!mine.some((x) => x.kind === 'contributed'));
});

// Core level, deterministic: a signed share that fails to open must not take its sender's
// slot, or the sender's genuine share would then be refused as a duplicate.
test('a share that fails to open does not consume its sender\'s slot', () => {
  const sent: Contribution[] = [];
  const s = buildScenario({
    population: 12, selectivity: 1, seed: 5, crypto: 'real', model: idealModel(),
    params: { depth: 1, fanout: 1, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } },
    onAction: (_from, _t, a) => {
      if (a.type === 'send' && a.message.type === 'Contribution' && a.message.sender !== a.message.recipient) sent.push(a.message);
    },
  });
  s.sim.start();
  s.sim.run();
  const m = sent[0];
  assert.ok(m);
  const key = s.keys.get(m.sender)?.ed25519.secretKey;
  assert.ok(key);
  const { signature: _sig, ...unsigned } = m;
  const sealed = m.sealed.slice();
  sealed[sealed.length - 1] ^= 1;
  const run = new Run(s.context(m.recipient));
  const code = (actions: Action[]) => actions.flatMap((a) => (a.type === 'reject' ? [a.error.code] : []))[0] ?? null;
  assert.equal(code(run.handle({ type: 'message', message: signMessage<Contribution>({ ...unsigned, sealed }, key) })), 'tampered');
  assert.equal(code(run.handle({ type: 'message', message: m })), null);
  assert.equal(code(run.handle({ type: 'message', message: m })), 'replayed');
});
