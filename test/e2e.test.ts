// End to end over a real Community Solid Server with 20 pods and 20 real agents: every
// strategy gives exactly the plain answer for every aggregate kind, the result covers
// exactly the consenting matching pods, an agent killed and restarted mid-run loses and
// double-counts nothing (e2e-failures.test.ts kills aggregators for good), and
// (on a second server with the file backend) nothing stored or posted holds a contribution in
// the clear; after a run no inbox holds a handled message, and a copy of one is refused.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { documentOf, parseQuery, parsePlan, parseMessage } from '../query-vocab/index.ts';
import type { Contribution } from '../query-vocab/types.ts';
import { vecToBytes } from '../agent/core/ring.ts';
import { readConsentLog } from '../agent/solid/consent-store.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { listInbox } from '../agent/solid/inbox.ts';
import { getTurtle, postTurtle } from '../agent/solid/pod.ts';
import { startDemo, waitForEnd, type Demo } from '../demo/demo.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { waitForEvent } from './helpers/journal.ts';
import { tapPosts } from './helpers/wiretap.ts';
import { plainContributions } from '../demo/plain.ts';
import { freePorts } from '../harness/ports.ts';

const ALL = path.join(import.meta.dirname, 'fixtures', 'all-aggregates.ttl');
const PODS = 20;
let demo: Demo;

/** Every agent's inbox: what the wiretaps listen to. */
const inboxes = () => new Set([...demo.host.agents.values()].map((a) => a.agent.inbox));

before(async () => {
  // Leaves close once their zone answered (refusing members abstain); a long window keeps
  // a slow evaluation on a loaded machine from closing one member of a LowCost leaf before
  // the others (that member's deadline would then come first, and the unsynchronised members disagree).
  demo = await startDemo({ pods: PODS, port: await freePorts(), collectMs: LONG_COLLECT_MS });
});
after(async () => demo?.stop());

test('every strategy gives exactly the plain answer for every aggregate kind; every leaf closes when its zone answered', async () => {
  const strategies = ['LowCost', 'SafeAndPrompt', 'Hybrid', 'HighCompleteness', 'Threshold'] as const;
  const closings: RunEvent[] = [];
  const listener = (e: RunEvent) => {
    if (e.kind === 'log' && / inputs closed: /.test(e.text)) closings.push(e);
  };
  demo.host.journal.on('event', listener);
  // All five at once, as e2e-failures runs its five over 66 agents.
  const outcomes = await Promise.all(strategies.map((strategy) => demo.publish(ALL, { strategy })));
  for (const [i, o] of outcomes.entries()) {
    assert.equal(o.abort, undefined, `${strategies[i]} aborted: ${o.abort}`);
    assert.equal(o.published?.strategy, strategies[i]);
    assert.ok(o.plain.contributors >= 10, `only ${o.plain.contributors} contributors`);
    assert.deepEqual(o.published?.values.map((v) => v.value), o.plain.values.map((v) => v.value), strategies[i]);
    assert.equal(o.published?.contributors, o.plain.contributors);
    assert.equal(o.published?.completeness, 1);
    assert.deepEqual(o.published?.values.map((v) => v.kind), ['Count', 'Sum', 'Mean', 'Variance', 'Histogram', 'VectorSum']);
    // Some members refused or matched nothing, and said so: no leaf waited for its deadline.
    assert.ok(o.plain.contributors < PODS, `${strategies[i]}: everyone contributed, so nobody abstained`);
    const plan = parsePlan(await getTurtle(globalThis.fetch, o.plan), o.plan);
    const leaves = new Set(Object.values(plan.zones));
    const atLeaves = closings.filter((e) => e.query === o.query && [...leaves].some((g) => e.text.startsWith(`aggregator ${g}#`)));
    assert.equal(atLeaves.length, leaves.size * plan.params.groupSize, `${strategies[i]}: ${atLeaves.length} leaf slots closed`);
    for (const e of atLeaves) assert.match(e.text, /inputs closed: zone complete$/, `${strategies[i]}: ${e.text}`);
  }
  demo.host.journal.off('event', listener);
});

test('the result covers exactly the consenting, matching pods; refusals name their rule', async () => {
  const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
  assert.ok(o.exact, `result ${JSON.stringify(o.published?.values)} (${o.abort ?? 'no abort'}) differs from plain ${JSON.stringify(o.plain.values)}`);
  // The plain answer applies the same policies: fewer than all pods, more than none.
  assert.ok(o.plain.contributors > 0 && o.plain.contributors < PODS - 4, `${o.plain.contributors} contributors`);
  const refuser = demo.credentials[1];
  const log = await readConsentLog(demo.host.get(refuser.webId).session.fetch, refuser.podUrl);
  const decision = log.find((d) => d.query === o.query);
  assert.equal(decision?.accepted, false);
  assert.match(decision!.reason, /^purpose rule/);
});

test('hiding participation: a member that matches nothing sends its leaf what a matching one sends, and the values stay exact', async () => {
  const tap = tapPosts((url) => inboxes().has(url));
  const events: RunEvent[] = [];
  const listener = (e: RunEvent) => void events.push(e);
  demo.host.journal.on('event', listener);
  const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt', hideParticipation: true });
  demo.host.journal.off('event', listener);
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  assert.deepEqual(o.published?.values.map((v) => v.value), o.plain.values.map((v) => v.value));
  const ours = events.filter((e) => e.query === o.query);
  const consenting = new Set(ours.filter((e) => e.kind === 'consent' && e.accepted).map((e) => e.webId));
  // Members under 50 consent and match nothing: they are counted, with zeros.
  assert.equal(o.published?.contributors, consenting.size);
  assert.ok(o.plain.contributors < consenting.size, 'every consenting member matched: nothing was hidden');
  assert.equal(ours.filter((e) => e.kind === 'received' && e.messageType === 'Abstention' && consenting.has(e.peer ?? '')).length, 0);

  // What the leaf group received from a matching and from a non-matching consenting member.
  const plan = parsePlan(await getTurtle(globalThis.fetch, o.plan), o.plan);
  const queryDoc = documentOf(o.query);
  const query = parseQuery(await getTurtle(globalThis.fetch, queryDoc), queryDoc);
  const matching = new Set((await plainContributions(query, plan, demo.people)).keys());
  const answers = new Set(['Contribution', 'Abstention']);
  const seen = (w: string) => ours.filter((e) => e.kind === 'received' && e.peer === w && answers.has(e.messageType ?? '')).map((e) => `${e.webId} ${e.messageType} ${e.group}#${e.position}`).sort();
  const members = [...consenting].filter((w) => w !== demo.querier.webId);
  const matcher = members.find((w) => matching.has(w) && plan.zones[w] !== undefined);
  const other = members.find((w) => !matching.has(w) && plan.zones[w] === plan.zones[matcher ?? '']);
  assert.ok(matcher && other, 'a matching and a non-matching consenting member of one zone');
  assert.equal(seen(matcher).length, plan.params.groupSize);
  assert.deepEqual(seen(other), seen(matcher));
  // The sealed sizes the leaf holders were sent (deleted from their inboxes once handled).
  const sizes = (w: string) =>
    tap.posts.map((p) => parseMessage(p.body, `${p.url}tapped`)).filter((m): m is Contribution => m.query === o.query && m.sender === w && m.type === 'Contribution').map((m) => m.sealed.length).sort();
  assert.deepEqual(sizes(other), sizes(matcher));
  assert.equal(sizes(matcher).length, plan.params.groupSize);
  tap.stop();
});

test('after a run no inbox holds a handled message, and a copy of a deleted one is refused as a replay', async () => {
  const tap = tapPosts((url) => inboxes().has(url));
  const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
  tap.stop();
  assert.ok(o.exact, `not exact: ${o.abort ?? ''}`);
  for (const { session, agent } of demo.host.agents.values()) {
    const listed = await listInbox(session.fetch, agent.inbox);
    await agent.inboxSettled();
    for (const url of listed) {
      if (!agent.handled(url)) continue; // arrived since, not yet read
      await agent.inboxSettled();
      const response = await session.fetch(url, { method: 'HEAD' });
      assert.equal(response.status, 404, `${url}, handled, is still in the inbox`);
    }
  }
  // A share the provider was given, posted again after its recipient deleted it.
  const shares = tap.posts.map((p) => ({ ...p, m: parseMessage(p.body, `${p.url}tapped`) })).filter(({ m }) => m.type === 'Contribution' && m.query === o.query && m.sender !== m.recipient);
  assert.ok(shares.length > 0, 'no share was posted');
  const { url: inbox, body, m } = shares[0];
  const refused = waitForEvent(demo.host.journal, [], (e) => e.kind === 'rejected' && e.webId === m.recipient && e.peer === m.sender && e.query === o.query, 30_000, 'the replay to be refused');
  await postTurtle(demo.host.get(m.sender).session.fetch, inbox, body);
  assert.match((await refused).reason ?? '', /^replayed: /);
});

test('an aggregator killed and restarted mid-run loses nothing and counts nothing twice', async () => {
  let victim: string | undefined;
  const restarted = new Promise<void>((resolve) => {
    const seen = new Map<string, number>();
    const listener = (e: RunEvent) => {
      if (victim || e.kind !== 'received' || e.messageType !== 'Contribution' || e.webId === demo.querier.webId) return;
      const n = (seen.get(e.webId) ?? 0) + 1;
      seen.set(e.webId, n);
      if (n < 2) return;
      victim = e.webId;
      demo.host.journal.off('event', listener);
      const credential = demo.host.get(victim).credential;
      void demo.host.kill(victim).then(() => demo.host.add([credential])).then(resolve);
    };
    demo.host.journal.on('event', listener);
  });
  const o = await demo.publish(ALL, { strategy: 'SafeAndPrompt' });
  await restarted;
  assert.ok(victim, 'no aggregator received two contributions');
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  assert.ok(o.exact, 'the result differs from the plain answer');
  assert.equal(o.published?.completeness, 1);
});

test('a run its querier cannot start ends with a report, not a wait for ever', async () => {
  const missing = `${new URL('podagg/queries/missing', demo.querier.podUrl).href}#it`;
  const ended = waitForEnd(demo.host, demo.querier.webId, missing);
  await demo.host.get(demo.querier.webId).agent.startQuery(missing, `${missing}-plan`);
  const e = await ended;
  assert.equal(e.kind, 'abort');
  assert.match(e.reason ?? '', /could not start the run: .*404/);
});

test('nothing the server stores or is sent holds a contribution or a share in the clear', async () => {
  // The provider's view: the file backend's own files, read straight from disk, and every
  // message posted into an inbox (each is deleted once handled, so it is taken on the way).
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'podagg-e2e-'));
  const stored = await startDemo({ pods: 10, port: await freePorts(), dataDir, collectMs: LONG_COLLECT_MS });
  const inboxes = new Set([...stored.host.agents.values()].map((a) => a.agent.inbox));
  const tap = tapPosts((url) => inboxes.has(url));
  try {
    const o = await stored.publish(ALL, { strategy: 'SafeAndPrompt' });
    tap.stop();
    assert.ok(o.exact, `not exact: ${o.abort ?? ''}`);
    const querier = stored.querier.webId;
    const query = parseQuery(await getTurtle(globalThis.fetch, o.query), o.query);
    const plan = parsePlan(await getTurtle(globalThis.fetch, o.plan), o.plan);
    const contributions = await plainContributions(query, plan, stored.people);
    const secrets = [...contributions.values()].flatMap((v) => {
      const bytes = Buffer.from(vecToBytes(v));
      return [bytes.toString('base64'), bytes.toString('hex')];
    });
    const files = walk(dataDir);
    assert.ok(files.length > 50, `only ${files.length} files stored`);
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      for (const secret of secrets) assert.ok(!text.includes(secret), `${file} holds a contribution in the clear`);
    }
    for (const { url, body } of tap.posts) {
      for (const secret of secrets) assert.ok(!body.includes(secret), `a message posted to ${url} holds a contribution in the clear`);
      const message = parseMessage(body, `${url}tapped`);
      // The querier may also be an aggregator, but never holds two positions of one group.
      if (message.type === 'Contribution' && message.recipient === querier) {
        const group = plan.groups.find((g) => g.id === message.group);
        assert.ok(group && group.members.filter((m) => m === querier).length === 1, `the querier holds several shares of ${message.group}`);
      }
    }
    assert.ok(tap.posts.length > contributions.size, `only ${tap.posts.length} inbox messages posted`);
  } finally {
    tap.stop();
    await stored.stop();
  }
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
