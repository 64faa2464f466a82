// How members hear of a query, on a real Community Solid Server (8 pods, isolated agents,
// every request logged at the server): the querier posts one announcement into the
// population's announcements container, every member reads it once and nobody deletes
// it; forged announcements are refused before anything they name is fetched, and anyone's
// may only make the population fetch from the announcer's own pod; one of a
// run already over is not even read; a population made without announcements hears of
// its queries in each member's inbox, as before.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeMessage } from '../query-vocab/index.ts';
import type { Announcement } from '../query-vocab/types.ts';
import { signMessage } from '../agent/core/sign.ts';
import type { AgentKeys } from '../agent/core/keys.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { keyFilePath, loadOrCreateKeys } from '../agent/solid/keyfile.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { deleteResource, postTurtle, type Fetch } from '../agent/solid/pod.ts';
import { announcementsOf, createPopulation } from '../agent/solid/population.ts';
import { provision } from '../agent/solid/provision.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { createAccount } from '../solid-server/accounts.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { freePorts } from '../harness/ports.ts';
import { waitForEvent } from './helpers/journal.ts';

const PODS = 8;
const requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-announce-')), 'requests.jsonl');
let demo: Demo;
let intruder: { session: AgentSession; webId: string; keys: AgentKeys; queries: string };
const events: RunEvent[] = [];

before(async () => {
  demo = await startDemo({ pods: PODS, port: await freePorts(), refusing: 0, requestLog, agents: { isolated: true } });
  demo.host.journal.on('event', (e) => events.push(e));
  // A real account on the same server, with keys and an inbox, that never joined the population.
  const credential = await createAccount(new URL('/', demo.querier.podUrl).href, 'intruder', 'intruder-password-1');
  const session = await login(credential);
  const { keys } = await provision(session, credential, mkdtempSync(path.join(os.tmpdir(), 'podagg-intruder-')));
  intruder = { session, webId: credential.webId, keys, queries: podLayout(credential.podUrl).queries };
});
after(async () => {
  await intruder?.session.logout();
  await demo?.stop();
});

const members = () => demo.credentials.map((c) => c.webId);
const keysOf = async (webId: string) => (await loadOrCreateKeys(keyFilePath(demo.stateDir, webId), webId)).keys;
const announcement = (o: { sender: string; key: AgentKeys; query: string; recipient?: string }) =>
  signMessage<Announcement>({
    type: 'Announcement', query: o.query, plan: `${o.query}-plan`, sender: o.sender, recipient: o.recipient ?? demo.population, sentAt: new Date().toISOString(),
  }, o.key.ed25519.secretKey);
const post = (fetch: Fetch, body: string, slug?: string) => postTurtle(fetch, announcementsOf(demo.population), body, slug);

/** Resolves once every member of the demo's population recorded a refusal matching `pred`. */
function refusedByAll(pred: (e: RunEvent) => boolean, what: string): Promise<unknown> {
  return Promise.all(members().map((w) => waitForEvent(demo.host.journal, events, (e) => e.webId === w && e.kind === 'rejected' && pred(e), 60_000, `${w} to refuse ${what}`)));
}

test('a query is announced once, in the population\'s announcements: each member reads it once and nobody deletes it', async () => {
  const from = Date.now();
  const o = await demo.publish('mean-steps');
  assert.ok(o.exact, `not exact: ${o.abort ?? JSON.stringify(o.published?.values)}`);
  const log = readRequestLog(requestLog).filter((r) => r.at >= from);
  const container = announcementsOf(demo.population);
  const posts = log.filter((r) => r.method === 'POST' && r.url === container && r.status === 201);
  assert.equal(posts.length, 1, 'one announcement posted');
  const sent = events.filter((e) => e.query === o.query && e.kind === 'sent' && e.messageType === 'Announcement');
  assert.deepEqual(sent.map((e) => [e.webId, e.peer]), [[demo.querier.webId, demo.population]], 'no announcement went into an inbox');
  const joined = new Set(events.filter((e) => e.query === o.query && e.kind === 'announced').map((e) => e.webId));
  assert.equal(joined.size, PODS, 'every member joined the run');
  const url = log.find((r) => r.method === 'GET' && r.url.startsWith(container) && r.url !== container && r.status === 200)?.url;
  assert.ok(url && /\/a-\d+-[^/]+$/.test(url), `an announcement named by its run's end: ${url}`);
  for (const w of members().filter((w) => w !== demo.querier.webId)) {
    const reads: number = log.filter((r) => r.url === url && r.method === 'GET' && r.agent === w).length;
    assert.equal(reads, 1, `${w} read the announcement ${reads} times`);
  }
  assert.equal(log.filter((r) => r.url === url && r.method !== 'GET' && r.method !== 'HEAD').length, 0, 'the announcement was left as posted');
});

test('forged announcements are refused, each with its reason, before anything they name is fetched', async () => {
  const from = Date.now();
  const member = demo.credentials[1];
  const memberKeys = await keysOf(member.webId);
  const own = podLayout(member.podUrl).queries;
  const forged = {
    // Signed by someone outside the population, pointing into a member's pod.
    outsider: announcement({ sender: intruder.webId, key: intruder.keys, query: `${own}q-outsider` }),
    // A member, pointing at someone else's pod: the population would fetch from it.
    elsewhere: announcement({ sender: member.webId, key: memberKeys, query: `${podLayout(demo.querier.podUrl).queries}q-elsewhere` }),
    // In a member's name, signed with another key.
    impostor: announcement({ sender: member.webId, key: intruder.keys, query: `${own}q-impostor` }),
    // A member's genuine signature on an announcement addressed to one agent, not to the population.
    misaddressed: announcement({ sender: member.webId, key: memberKeys, query: `${own}q-misaddressed`, recipient: demo.querier.webId }),
  };
  for (const m of Object.values(forged)) await post(intruder.session.fetch, serializeMessage(m));
  const malformed = await post(intruder.session.fetch, '<> a <#Announcement> ; this is not Turtle <<<');
  const about = (m: Announcement, reason: RegExp) => (e: RunEvent) => e.query === m.query && e.peer === m.sender && reason.test(e.reason ?? '');
  await Promise.all([
    refusedByAll(about(forged.outsider, /outside its sender's queries/), 'an announcement by an outsider of a member\'s query'),
    refusedByAll(about(forged.elsewhere, /outside its sender's queries/), 'an announcement of a query in another pod'),
    refusedByAll(about(forged.impostor, /does not carry a valid signature/), 'an announcement in a member\'s name'),
    refusedByAll(about(forged.misaddressed, /addressed to .*, not to the population/), 'an announcement to one agent'),
    refusedByAll((e) => e.text.includes(malformed), 'a malformed announcement'),
  ]);
  const named = new Set(Object.values(forged).flatMap((m) => [m.query, m.plan]));
  const fetched = readRequestLog(requestLog).filter((r) => r.at >= from && named.has(r.url));
  assert.deepEqual(fetched, [], 'a forged announcement made someone fetch what it names');
  for (const m of Object.values(forged)) assert.ok(!events.some((e) => e.query === m.query && e.kind === 'announced'), `${m.query} was joined`);
});

test('anyone signed in may announce, but only what is in its own pod: that is all the population fetches', async () => {
  const from = Date.now();
  // A querier need not be a member: the intruder announces a query of its own (there is none).
  const own = announcement({ sender: intruder.webId, key: intruder.keys, query: `${intruder.queries}q-own` });
  await post(intruder.session.fetch, serializeMessage(own));
  await refusedByAll((e) => e.query === own.query && /unknown or invalid query/.test(e.reason ?? ''), 'an announcement of a missing query');
  const fetched = readRequestLog(requestLog).filter((r) => r.at >= from && r.agent && r.url.includes('/q-own'));
  assert.ok(fetched.length > 0, 'the members read the query it named');
  assert.deepEqual([...new Set(fetched.map((r) => r.url))], [own.query], 'only the query document, in the sender\'s pod');
});

test('an announcement of a run already over is not even read', async () => {
  const from = Date.now();
  const member = demo.credentials[2];
  const key = await keysOf(member.webId);
  const own = podLayout(member.podUrl).queries;
  const over = await post(demo.host.get(member.webId).session.fetch, serializeMessage(announcement({ sender: member.webId, key, query: `${own}q-over` })), 'a-1000-over');
  assert.match(over, /\/a-1000-over$/);
  // Posted after it, into the same container: once every member refused this one, each was notified of both.
  const later = announcement({ sender: member.webId, key, query: `${own}q-later`, recipient: member.webId });
  await post(demo.host.get(member.webId).session.fetch, serializeMessage(later));
  await refusedByAll((e) => e.query === later.query && /addressed to/.test(e.reason ?? ''), 'the later announcement');
  const reads = readRequestLog(requestLog).filter((r) => r.at >= from && r.url === over);
  assert.deepEqual(reads, [], 'the announcement of a run over was read');
});

test('a population made without announcements hears of its queries in each member\'s inbox', async () => {
  const owner = demo.host.get(demo.querier.webId).session.fetch;
  const population = new URL('podagg/population-old/', demo.querier.podUrl).href;
  await createPopulation(owner, population, demo.querier.webId);
  // As a population made before announcements existed.
  await deleteResource(owner, announcementsOf(population));
  for (const c of demo.credentials.slice(1)) await demo.host.get(c.webId).agent.join(population);
  const o = await demo.publish('mean-steps', { population });
  assert.ok(o.exact, `not exact: ${o.abort ?? JSON.stringify(o.published?.values)}`);
  const ofRun = events.filter((e) => e.query === o.query && e.webId === demo.querier.webId && e.messageType === 'Announcement');
  assert.deepEqual(ofRun.filter((e) => e.kind === 'failed').map((e) => e.peer), [population], 'the announcement into the population failed');
  const copies = new Set(ofRun.filter((e) => e.kind === 'sent').map((e) => e.peer));
  assert.deepEqual([...copies].sort(), demo.credentials.slice(1).map((c) => c.webId).sort(), 'a copy into each member\'s inbox');
});
