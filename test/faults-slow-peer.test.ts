// Faults: a slow or failing peer pod. The Solid server cannot be made slow or failing for
// one pod on demand, so a small HTTP proxy stands in front of it (test/helpers/fault-proxy.ts,
// a fake) and delays or fails the POSTs into one pod's inbox; everything else passes
// through. Deliveries must time out, retry with capped backoff and jitter and a longer time
// limit, stop after a bound (the policy's attempts per message: no retry storm), and the run must still end
// with the exact result or a clear report. The agents run a tighter policy than the
// default, so the faults cost seconds rather than a minute; its shape is the same.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../agent/solid/events.ts';
import { PodError } from '../agent/solid/pod.ts';
import { attemptTimeoutMs, backoffMs, DEFAULT_RETRY, isTransient, type RetryPolicy } from '../agent/solid/retry.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from './helpers/fault-proxy.ts';
import { freePorts } from '../harness/ports.ts';

const RETRY: RetryPolicy = { attempts: 5, timeoutMs: 4_000, timeoutCapMs: 8_000, baseMs: 200, capMs: 800 };
let demo: Demo;
let proxy: FaultProxy;

before(async () => {
  const [server, front] = [await freePorts(), await freePorts()];
  proxy = await startFaultProxy(front, server);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'podagg-faults-slow-'));
  demo = await startDemo({ pods: 8, port: server, baseUrl: proxy.url, collectMs: 15_000, stateDir, agents: { retry: RETRY } });
});
after(async () => {
  await demo?.stop();
  await proxy?.close();
});

const inboxPath = (webId: string) => new URL('podagg/inbox/', new URL('/' + webId.split('/')[3] + '/', webId)).pathname;
const postsTo = (path: string) => proxy.requests.filter((r) => r.method === 'POST' && r.path === path);
const attemptsPerMessage = (posts: ProxiedRequest[]) => {
  const counts = new Map<string, number>();
  for (const r of posts) counts.set(r.digest, (counts.get(r.digest) ?? 0) + 1);
  return [...counts.values()];
};

test('the retry policy: capped exponential backoff with jitter, a time limit per attempt that doubles to a cap, a bounded number of attempts', () => {
  const p = DEFAULT_RETRY;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffMs(p, n, () => 1)), [500, 1000, 2000, 4000, 8000, 8000]);
  assert.deepEqual([0, 4, 5].map((n) => backoffMs(p, n, () => 0)), [250, 4000, 4000]);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((n) => attemptTimeoutMs(p, n)), [8_000, 16_000, 32_000, 64_000, 64_000, 64_000, 64_000]);
  assert.ok(p.attempts <= 7 && p.timeoutMs <= 10_000);
});

test('what is worth another attempt: network errors, 5xx and 429, and any error whose cause is one', () => {
  assert.ok(isTransient(new TypeError('fetch failed')));
  assert.ok(isTransient(new PodError(503, 'busy')) && isTransient(new PodError(429, 'slow down')));
  assert.ok(!isTransient(new PodError(404, 'gone')) && !isTransient(new Error('bad turtle')));
  // An unreadable peer profile while the server is overloaded: the query is not bad for good.
  assert.ok(isTransient(new Error('cannot read the podagg keys of x: its profile is unreachable', { cause: new TypeError('fetch failed') })));
  assert.ok(!isTransient(new Error('cannot read the podagg keys of x: its profile answered 404', { cause: new PodError(404, 'gone') })));
});

test('a slow pod: the first attempt of every message times out, the retry delivers it, the result is exact', { timeout: 150_000 }, async () => {
  // The querier's inbox answers each message's first POST after the time limit (and still
  // stores it, as a slow server would: the receiver must drop the late copy as a replay).
  const victim = inboxPath(demo.querier.webId);
  proxy.rule = (r) => (r.method === 'POST' && r.path === victim && r.attempt === 0 ? { delayMs: RETRY.timeoutMs + 1000 } : undefined);
  const before = proxy.requests.length;
  const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
  proxy.rule = () => undefined;
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  assert.ok(o.exact, `result ${JSON.stringify(o.published?.values)} differs from ${JSON.stringify(o.plain.values)}`);
  const posts = postsTo(victim).filter((r) => proxy.requests.indexOf(r) >= before);
  assert.ok(posts.length > 0, 'nothing was posted to the slow inbox');
  // Every message took exactly two attempts: the slow one, then the retry.
  assert.deepEqual(new Set(attemptsPerMessage(posts)), new Set([2]));
});

test('a failing pod: every delivery to it stops after the bounded attempts, and the run still ends clearly', { timeout: 150_000 }, async () => {
  // The first leaf aggregator that is sent a share (not the querier) gets 503 for every
  // POST into its inbox from then on. Threshold sharing lets its group do without it.
  const querierInbox = inboxPath(demo.querier.webId);
  let victim: string | undefined;
  const refused: ProxiedRequest[] = [];
  proxy.rule = (r) => {
    if (r.method !== 'POST' || !r.path.endsWith('/podagg/inbox/') || r.path === querierInbox) return undefined;
    if (!victim && /Contribution/.test(r.body)) victim = r.path;
    if (r.path !== victim) return undefined;
    refused.push(r);
    return { status: 503 };
  };
  const failed: RunEvent[] = [];
  let allGaveUp = () => {};
  const listener = (e: RunEvent) => {
    if (e.kind !== 'failed') return;
    failed.push(e);
    // Every message posted to the victim has been given up on.
    if (failed.length >= new Set(refused.map((r) => r.digest)).size) allGaveUp();
  };
  const gaveUp = new Promise<void>((resolve) => (allGaveUp = resolve));
  demo.host.journal.on('event', listener);
  const o = await demo.publish('mean-steps', { strategy: 'Threshold' });
  // The run may end before the senders give up on the victim: wait for them.
  await gaveUp;
  demo.host.journal.off('event', listener);
  proxy.rule = () => undefined;
  assert.ok(victim, 'no share was posted');
  const perMessage = attemptsPerMessage(refused);
  assert.deepEqual(new Set(perMessage), new Set([RETRY.attempts]), 'each message is tried the full number of times');
  // No retry storm: each message is tried RETRY.attempts times, never more.
  assert.ok(Math.max(...perMessage) <= RETRY.attempts, `attempts per message: ${perMessage}`);
  assert.equal(postsTo(victim).filter((r) => r.attempt >= RETRY.attempts).length, 0);
  assert.equal(failed.length, perMessage.length, 'one give-up per message, in the journal');
  assert.ok(failed.every((e) => /answered 503/.test(e.text)), failed.map((e) => e.text).join('\n'));
  if (o.abort !== undefined) assert.match(o.abort, /\w/);
  else {
    assert.ok(o.published!.contributors <= o.plain.contributors);
    if (o.published!.contributors === o.plain.contributors) assert.ok(o.exact, 'not exact');
  }
});
