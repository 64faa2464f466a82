// How members hear of a query, on a real Community Solid Server (8 pods, isolated agents,
// every request logged at the server): the querier, the population's owner, posts one
// announcement into the population's announcements container, every member reads it once
// and nobody deletes it; nobody else may post there; what is not an announcement to the
// population is refused before anything it names is fetched; one of a run already over is
// not even read, and the owner's agent deletes it when it lists the container; a population
// made without announcements hears of its queries in each member's inbox, as before.

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
import { listInbox } from '../agent/solid/inbox.ts';
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

test('only the population\'s owner may announce: a member\'s or an outsider\'s post is refused by the server, and nothing is fetched', async () => {
  const from = Date.now();
  const member = demo.credentials[1];
  const attempts = [
    { who: 'an outsider', fetch: intruder.session.fetch, m: announcement({ sender: intruder.webId, key: intruder.keys, query: `${intruder.queries}q-outsider` }) },
    { who: 'a member', fetch: demo.host.get(member.webId).session.fetch, m: announcement({ sender: member.webId, key: await keysOf(member.webId), query: `${podLayout(member.podUrl).queries}q-member` }) },
  ];
  for (const { who, fetch, m } of attempts) {
    await assert.rejects(post(fetch, serializeMessage(m)), (error: Error) => /403/.test(error.message), `${who}'s announcement was accepted`);
  }
  const container = announcementsOf(demo.population);
  const named = new Set(attempts.flatMap(({ m }) => [m.query, m.plan]));
  assert.deepEqual(readRequestLog(requestLog).filter((r) => r.at >= from && (named.has(r.url) || (r.method === 'POST' && r.url === container && r.status < 300))), []);
});

test('what the owner posts that is not an announcement to the population is refused before anything it names is fetched', async () => {
  const from = Date.now();
  const owner = demo.host.get(demo.querier.webId).session.fetch;
  const key = await keysOf(demo.querier.webId);
  const own = podLayout(demo.querier.podUrl).queries;
  const misaddressed = announcement({ sender: demo.querier.webId, key, query: `${own}q-misaddressed`, recipient: demo.credentials[1].webId });
  await post(owner, serializeMessage(misaddressed));
  const malformed = await post(owner, '<> a <#Announcement> ; this is not Turtle <<<');
  await Promise.all([
    refusedByAll((e) => e.query === misaddressed.query && /addressed to .*, not to the population/.test(e.reason ?? ''), 'an announcement to one agent'),
    refusedByAll((e) => e.text.includes(malformed), 'a malformed announcement'),
  ]);
  assert.deepEqual(readRequestLog(requestLog).filter((r) => r.at >= from && (r.url === misaddressed.query || r.url === misaddressed.plan)), []);
});

test('an announcement of a run already over is not even read', async () => {
  const from = Date.now();
  const owner = demo.host.get(demo.querier.webId).session.fetch;
  const key = await keysOf(demo.querier.webId);
  const own = podLayout(demo.querier.podUrl).queries;
  const over = await post(owner, serializeMessage(announcement({ sender: demo.querier.webId, key, query: `${own}q-over` })), 'a-1000-over');
  assert.match(over, /\/a-1000-over$/);
  // Posted after it, into the same container: once every member refused this one, each was notified of both.
  const later = announcement({ sender: demo.querier.webId, key, query: `${own}q-later`, recipient: demo.credentials[1].webId });
  await post(owner, serializeMessage(later));
  await refusedByAll((e) => e.query === later.query && /addressed to/.test(e.reason ?? ''), 'the later announcement');
  // The owner may prune it (a DELETE) if it lists the container meanwhile; nobody may read it.
  const reads = readRequestLog(requestLog).filter((r) => r.at >= from && r.url === over && r.method !== 'DELETE');
  assert.deepEqual(reads, [], 'the announcement of a run over was read');
});

test('the owner\'s agent deletes the announcements of runs over when it lists them; no member deletes any', async () => {
  const from = Date.now();
  const owner = demo.host.get(demo.querier.webId);
  const key = await keysOf(demo.querier.webId);
  const own = podLayout(demo.querier.podUrl).queries;
  const ended = await post(owner.session.fetch, serializeMessage(announcement({ sender: demo.querier.webId, key, query: `${own}q-ended`, recipient: demo.credentials[1].webId })), 'a-2000-ended');
  const running = await post(owner.session.fetch, serializeMessage(announcement({ sender: demo.querier.webId, key, query: `${own}q-running`, recipient: demo.credentials[1].webId })), `a-${Date.now() + 86_400_000}-running`);
  // Over by the owner's clock, not by that of a member whose clock may run a few seconds behind.
  const recent = await post(owner.session.fetch, serializeMessage(announcement({ sender: demo.querier.webId, key, query: `${own}q-recent`, recipient: demo.credentials[1].webId })), `a-${Date.now() - 1_000}-recent`);
  await refusedByAll((e) => e.query === `${own}q-running`, 'the running announcement');
  // A restart lists the announcements (as the safety net does every few minutes).
  await demo.host.kill(demo.querier.webId);
  await demo.host.add([demo.querier]);
  const restarted = demo.host.get(demo.querier.webId);
  await restarted.agent.inboxSettled();
  const container = announcementsOf(demo.population);
  const left = await listInbox(restarted.session.fetch, container);
  assert.ok(!left.includes(ended), 'the ended announcement is still there');
  assert.ok(left.includes(running), 'an announcement whose run is not over was deleted');
  assert.ok(left.includes(recent), 'an announcement over for less than the clock-skew bound was deleted');
  const deletions = readRequestLog(requestLog).filter((r) => r.at >= from && r.method === 'DELETE' && r.url.startsWith(container));
  assert.ok(deletions.some((r) => r.url === ended && r.status < 300), 'the ended announcement was not deleted by a request');
  assert.deepEqual(deletions.filter((r) => r.agent !== demo.querier.webId), [], 'a member deleted an announcement');
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
