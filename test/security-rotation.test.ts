// Key rotation during real runs: one demo (8 pods on the embedded server). While the first
// query runs, a leaf aggregator that has already received shares sealed to its key, and
// the querier, rotate their keys; the run must still give the exact answer. A second query
// must pin the new keys, and a payload sealed to the old key for it must be refused. Key
// files stay 0600, no private key (current or retired) reaches a pod, and a retired pair
// stops counting at its sec:expires and is then dropped from the key file and profile.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { containerMembers } from '../query-vocab/container.ts';
import { base58btcEncode, encodeMultikey } from '../query-vocab/multikey.ts';
import { parseKeySheet, parsePlan, parseQuery, serializeMessage, documentOf } from '../query-vocab/index.ts';
import type { AggregationPlan, PartialAggregate, PinnedPeer, PublicKeys } from '../query-vocab/types.ts';
import { publicKeys, sameBytes, type KeyRing } from '../agent/core/keyring.ts';
import { generateKeys } from '../agent/core/keys.ts';
import { candidates } from '../agent/core/backup.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import { recipients } from '../agent/core/recipients.ts';
import { topology } from '../agent/core/topology.ts';
import { layoutOf } from '../agent/core/protocol.ts';
import { vecToBytes, zeros } from '../agent/core/ring.ts';
import { seal } from '../agent/core/seal.ts';
import { signMessage } from '../agent/core/sign.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { keyFilePath, readKeyRing } from '../agent/solid/keyfile.ts';
import { readPeer, ownsKeys } from '../agent/solid/peer.ts';
import { getTurtle, postTurtle, type Fetch } from '../agent/solid/pod.ts';
import { PeerCache, loadPopulation } from '../agent/solid/population.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { provision } from '../agent/solid/provision.ts';
import { rotateKeys } from '../agent/solid/rotate.ts';
import { leafBackupPins, runDirectory } from '../agent/solid/run-keys.ts';
import { startDemo, type Demo, type DemoOutcome } from '../demo/demo.ts';
import { freePorts } from '../harness/ports.ts';
import { waitForEvent } from './helpers/journal.ts';

let demo: Demo;
const events: RunEvent[] = [];
/** Every key pair the rotated agents ever held, by WebID (to look for their secrets in pods). */
const rings: Record<string, KeyRing[]> = {};

const waitFor = (pred: (e: RunEvent) => boolean, ms: number, what: string) => waitForEvent(demo.host.journal, events, pred, ms, what);

const fetchOf = (c: Credential): Fetch => demo.host.get(c.webId).session.fetch;
const ringOf = async (c: Credential): Promise<KeyRing> => (await readKeyRing(keyFilePath(demo.stateDir, c.webId), c.webId))!;
const samePublic = (a: PublicKeys | undefined, b: PublicKeys) => !!a && sameBytes(a.x25519, b.x25519) && sameBytes(a.ed25519, b.ed25519);

async function announcedPlan(except: string[]): Promise<AggregationPlan> {
  const e = await waitFor((x) => x.kind === 'announced' && x.webId === demo.querier.webId && !except.includes(x.query), 60_000, 'the run to start');
  return parsePlan(await getTurtle(fetchOf(demo.querier), e.plan!), e.plan!);
}

/** Every pin of the plan: the querier's in the plan, the rest in its key sheets. */
async function pinsOf(plan: AggregationPlan): Promise<Record<string, PinnedPeer>> {
  const sheets = await Promise.all((plan.keySheets ?? []).map(async (k) => parseKeySheet(await getTurtle(globalThis.fetch, documentOf(k.sheet)), documentOf(k.sheet)).runKeys));
  return Object.assign({}, plan.runKeys, ...sheets);
}

async function rotate(c: Credential, o: { graceMs?: number } = {}) {
  (rings[c.webId] ??= []).push(await ringOf(c));
  const report = await rotateKeys(demo.host.get(c.webId).session, c, demo.stateDir, { populations: [demo.population], ...o });
  rings[c.webId].push(await ringOf(c));
  return report;
}

let aggregator: Credential;
let first: { plan: AggregationPlan; outcome: DemoOutcome; oldKeys: Record<string, PublicKeys> };
let second: { plan: AggregationPlan; outcome: DemoOutcome; forged: string };

before(async () => {
  demo = await startDemo({ pods: 8, port: await freePorts(), collectMs: 15_000 });
  demo.host.journal.on('event', (e) => events.push(e));
  const { querier } = demo;

  // ---- first run: rotations while it runs ------------------------------------------------
  const running = demo.publish('mean-steps');
  const plan = await announcedPlan([]);
  const leaves = plan.groups.filter((g) => !plan.groups.some((h) => h.parent === g.id));
  const leafMember = leaves.flatMap((g) => g.members).find((w) => w !== querier.webId)!;
  aggregator = demo.credentials.find((c) => c.webId === leafMember)!;
  const oldKeys = { [aggregator.webId]: publicKeys((await ringOf(aggregator)).current), [querier.webId]: publicKeys((await ringOf(querier)).current) };
  // Shares sealed to the aggregator's current key have arrived: now it rotates, then the querier.
  await waitFor((e) => e.kind === 'received' && e.webId === aggregator.webId && e.query === plan.query && e.messageType === 'Contribution', 30_000, 'a share at the aggregator');
  await rotate(aggregator);
  await rotate(querier);
  first = { plan, outcome: await running, oldKeys };

  // ---- second run: the new keys, and a payload sealed to the querier's old key -------------
  const running2 = demo.publish('mean-steps');
  const plan2 = await announcedPlan([plan.query]);
  const root = plan2.groups.find((g) => g.parent === null)!;
  const position = root.members.findIndex((w) => w !== querier.webId);
  const sender = demo.credentials.find((c) => c.webId === root.members[position])!;
  const query2 = parseQuery(await getTurtle(fetchOf(querier), documentOf(plan2.query)), documentOf(plan2.query));
  const ctx = { query: plan2.query, group: root.id, position, sender: sender.webId, recipient: querier.webId, kind: 'partial' };
  const { kind: _kind, ...envelope } = ctx;
  const forged = signMessage<PartialAggregate>({
    type: 'PartialAggregate', ...envelope, sentAt: new Date().toISOString(), versionId: 'sealed-to-old-key', counter: 0, included: 1, received: 1,
    sealed: seal(vecToBytes(zeros(layoutOf({ query: query2, plan: plan2 }).length)), oldKeys[querier.webId].x25519, ctx),
  }, (await ringOf(sender)).current.ed25519.secretKey);
  const registration = (await loadPopulation(fetchOf(querier), demo.population, new PeerCache(fetchOf(querier)))).members.get(querier.webId)!;
  await postTurtle(fetchOf(sender), registration.inbox, serializeMessage(forged));
  second = { plan: plan2, outcome: await running2, forged: sender.webId };
});

after(async () => {
  await demo?.stop();
});

test('a run during which an aggregator and the querier rotate their keys still gives the exact answer', async () => {
  const { outcome, plan, oldKeys } = first;
  const pins = await pinsOf(plan);
  assert.equal(outcome.abort, undefined, `the run aborted: ${outcome.abort}`);
  assert.ok(outcome.exact, `result ${JSON.stringify(outcome.published?.values)} (${outcome.published?.contributors} contributors), plain ${JSON.stringify(outcome.plain)}`);
  // The run kept the keys pinned at publication, which are the old ones now retired.
  for (const w of [aggregator.webId, demo.querier.webId]) assert.ok(samePublic(pins[w], oldKeys[w]), `the first plan pins the old keys of ${w}`);
  const rejected = events.filter((e) => e.kind === 'rejected' && e.query === plan.query);
  assert.deepEqual(rejected.map((e) => e.reason), [], 'no message of the run was refused');
});

test('after a rotation a new query pins the new keys, and a payload sealed to the old key is refused', async () => {
  const { outcome, plan, forged } = second;
  assert.ok(outcome.exact, `second run: ${outcome.abort ?? JSON.stringify(outcome.published?.values)}`);
  const pins = await pinsOf(plan);
  for (const c of [aggregator, demo.querier]) {
    const ring = await ringOf(c);
    assert.ok(samePublic(pins[c.webId], publicKeys(ring.current)), `the second plan pins the new keys of ${c.webId}`);
    assert.ok(!samePublic(pins[c.webId], first.oldKeys[c.webId]));
  }
  const refusal = events.find((e) => e.kind === 'rejected' && e.query === plan.query && e.webId === demo.querier.webId && e.peer === forged);
  assert.ok(refusal, 'the querier refused the partial aggregate sealed to its old key');
  assert.match(refusal.reason ?? '', /^wrong-recipient: payload is sealed to another key/);
  // The population holds both registrations of a rotated member; the one with the new keys counts.
  const snapshot = await loadPopulation(fetchOf(demo.querier), demo.population, new PeerCache(fetchOf(demo.querier)));
  assert.ok(samePublic(snapshot.members.get(aggregator.webId), publicKeys((await ringOf(aggregator)).current)));
  assert.ok(snapshot.skipped.some((s) => s.reason.startsWith(`${aggregator.webId} is registered twice`)));
});

test('a plan pinning a false key for a peer a member seals to is refused (a leaf backup once a leaf member failed); peers it only hears from cost no reads', async () => {
  const { plan } = second;
  const query = parseQuery(await getTurtle(globalThis.fetch, documentOf(plan.query)), documentOf(plan.query));
  const leafOf = (w: string) => plan.groups.find((g) => g.id === plan.zones[w])!;
  const contributor = Object.keys(plan.zones).find((w) => w !== demo.querier.webId && !plan.backups.includes(w) && !plan.groups.some((g) => g.members.includes(w)))!;
  const sealedTo = leafOf(contributor).members.find((w) => w !== contributor)!;
  const pins = await pinsOf(plan);
  const doctored = (w: string) => ({ ...pins, [w]: { ...pins[w], x25519: generateKeys().x25519.publicKey } });
  await assert.rejects(runDirectory(query, plan, doctored(sealedTo), contributor, new PeerCache(globalThis.fetch)), new RegExp(`pins keys for ${sealedTo} that its profile does not list`));
  // A leaf backup is written to only after a failure: checked then, and a false pin makes it unusable.
  // The same members, pins and nonce drawn with backups (the demo's small plans have none).
  const backed = buildPlan({ id: plan.id, query: plan.query, nonce: plan.nonce, population: Object.keys(plan.zones), params: { ...plan.params, backupRatio: 0.5 } });
  const member = Object.keys(backed.zones).find((w) => w !== demo.querier.webId && !backed.backups.includes(w) && !backed.groups.some((g) => g.members.includes(w)))!;
  const positions = backed.groups.find((g) => g.id === backed.zones[member])!.members.map((_, p) => p);
  const backup = positions.flatMap((p) => candidates(topology(backed), backed.zones[member], p).slice(1)).find((w) => w !== demo.querier.webId);
  assert.ok(backup, 'the leaf has a backup');
  const directory = (p: Record<string, PinnedPeer>) => new Map(Object.entries(p).map(([w, pin]) => [w, { webId: w, ...pin }]));
  await runDirectory(query, backed, doctored(backup), member, new PeerCache(globalThis.fetch));
  assert.deepEqual(await leafBackupPins(query, backed, directory(pins), member, new PeerCache(globalThis.fetch)), []);
  const refused = await leafBackupPins(query, backed, directory(doctored(backup)), member, new PeerCache(globalThis.fetch));
  assert.deepEqual(refused.map((r) => r.webId), [backup]);
  assert.match(refused[0].reason, /that its profile does not list/);
  await assert.rejects(runDirectory(query, backed, doctored(backup), member, new PeerCache(globalThis.fetch), { leafBackups: true }), /that its profile does not list/);
  // A leaf member reads the profiles of the peers it writes to, not of its zone.
  const reads: string[] = [];
  const counting: Fetch = (input, init) => {
    reads.push(String(input));
    return globalThis.fetch(input, init);
  };
  await runDirectory(query, plan, pins, sealedTo, new PeerCache(counting));
  const writesTo = recipients(topology(plan), demo.querier.webId, sealedTo, { leafBackups: false });
  const podOf = (w: string) => demo.credentials.find((c) => c.webId === w)!.podUrl;
  const zone = Object.keys(plan.zones).filter((w) => plan.zones[w] === plan.zones[sealedTo] && !writesTo.has(w) && w !== sealedTo);
  assert.ok(zone.length > 0, 'the leaf has members that are not aggregators');
  for (const w of zone) assert.ok(!reads.some((u) => u.startsWith(podOf(w))), `${w}'s profile was read`);
  // Its WebID document and the profile it links, for each peer written to.
  assert.equal(reads.length, 2 * writesTo.size, reads.join(', '));
});

/** Every resource of a pod, read as its owner. */
async function crawl(f: Fetch, container: string, out: Array<{ url: string; body: string }> = []): Promise<typeof out> {
  for (const url of containerMembers(await getTurtle(f, container), container)) {
    if (url.endsWith('/')) await crawl(f, url, out);
    else out.push({ url, body: await (await f(url)).text() });
  }
  return out;
}

test('key files stay 0600 with their retired pairs, and no private key, current or retired, is in any pod', async () => {
  const secrets: Array<{ owner: string; text: string }> = [];
  for (const c of [aggregator, demo.querier]) {
    const file = keyFilePath(demo.stateDir, c.webId);
    assert.equal(statSync(file).mode & 0o777, 0o600, `${file} mode`);
    assert.equal(statSync(path.dirname(file)).mode & 0o077, 0, `${path.dirname(file)} mode`);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).retired.length, 1, 'the key file keeps the retired pair');
    for (const ring of rings[c.webId]) {
      for (const pair of [ring.current, ...ring.retired]) {
        for (const secret of [pair.x25519.secretKey, pair.ed25519.secretKey]) {
          const b = Buffer.from(secret);
          for (const text of [b.toString('base64'), b.toString('base64url'), b.toString('hex'), base58btcEncode(secret)]) secrets.push({ owner: c.webId, text });
        }
      }
    }
  }
  assert.equal(secrets.length, 2 * 4 * 2 * 3, 'three pairs per rotated agent: before, after, and the retired one');
  let resources = 0;
  for (const c of demo.credentials) {
    for (const { url, body } of await crawl(fetchOf(c), c.podUrl)) {
      resources++;
      const leaked = secrets.find((s) => body.includes(s.text));
      assert.equal(leaked, undefined, `${url} holds a private key of ${leaked?.owner}`);
    }
  }
  assert.ok(resources > 10 * demo.credentials.length, `crawled ${resources} resources`);
});

test('a retired pair stops counting at its sec:expires and is then dropped from key file and profile', async () => {
  const c = aggregator;
  const before = await ringOf(c);
  const retiring = publicKeys(before.current);
  const oldest = publicKeys(before.retired[0]);
  // A second rotation with a one-second grace for the pair it retires.
  await rotate(c, { graceMs: 1000 });
  assert.ok(ownsKeys(await readPeer(c.webId), retiring), 'within its grace the retired key is still the agent’s');
  // Read as by a peer whose clock is past that expiry (the subject is a timeout: no test waits for one).
  const later = Date.now() + 1500;
  // Peers stop accepting it as soon as it expires, before anything is cleaned up...
  assert.ok(!ownsKeys(await readPeer(c.webId, globalThis.fetch, later), retiring), 'expired: peers no longer accept it');
  assert.ok(ownsKeys(await readPeer(c.webId, globalThis.fetch, later), oldest), 'the first retired pair still has its own grace period');
  // ...and the next provisioning (agent init, or agent run at start) drops it.
  const report = await provision(demo.host.get(c.webId).session, c, demo.stateDir, { now: later });
  assert.ok(report.changes.includes('dropped 1 expired retired key pairs'), report.changes.join(', '));
  const ring = await ringOf(c);
  assert.equal(ring.retired.length, 1);
  assert.ok(samePublic(publicKeys(ring.retired[0]), oldest));
  const profile = await getTurtle(fetchOf(c), podLayout(c.podUrl).profile);
  assert.ok(!profile.includes(encodeMultikey('x25519', retiring.x25519)), 'the expired key left the profile');
  assert.ok(profile.includes(encodeMultikey('x25519', oldest.x25519)));
  assert.deepEqual((await provision(demo.host.get(c.webId).session, c, demo.stateDir, { now: later })).changes, [], 'a second provisioning changes nothing');
});
