// The consent policy an agent decides with, against a real Community Solid Server: read
// once and then kept while the server streams the document's changes, so a member pays no
// policy read per query; a change the owner makes reaches the next decision.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPolicy, writePolicy } from '../agent/solid/consent-store.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { freePorts } from '../harness/ports.ts';
import { waitForEvent } from './helpers/journal.ts';

let demo: Demo;
let requestLog: string;
const events: RunEvent[] = [];

before(async () => {
  requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-policy-')), 'requests.jsonl');
  demo = await startDemo({ pods: 5, port: await freePorts(), refusing: 0, requestLog });
  demo.host.journal.on('event', (e) => events.push(e));
});
after(async () => demo?.stop());

const policyReads = (podUrl: string) => readRequestLog(requestLog).filter((r) => r.method === 'GET' && r.url === podLayout(podUrl).consentPolicy).length;

test('a member reads its policy for its first two decisions, then not again while the stream is up', async () => {
  for (let i = 0; i < 3; i++) await demo.publish('mean-steps');
  for (const c of demo.credentials) {
    const decisions = events.filter((e) => e.kind === 'consent' && e.webId === c.webId).length;
    assert.equal(decisions, 3, `${c.webId} decided on every query`);
    // The first read opens the channel; the second, made with the channel up, is kept.
    assert.equal(policyReads(c.podUrl), 2, `${c.webId}'s policy reads over three queries`);
  }
});

test('a policy the owner changes is the one the next decision uses', async () => {
  const owner = demo.credentials.find((c) => c.webId !== demo.querier.webId)!;
  const { fetch } = demo.host.get(owner.webId).session;
  const policy = (await readPolicy(fetch, owner.podUrl))!;
  const mark = events.length;
  await writePolicy(fetch, owner.podUrl, { ...policy, purposes: [] });
  await waitForEvent(demo.host.journal, events.slice(mark), (e) => e.webId === owner.webId && e.kind === 'log' && e.text.startsWith('consent policy changed'), 30_000, 'the agent to hear of the change');
  const readsBefore = policyReads(owner.podUrl);
  const seen = events.length;
  await demo.publish('mean-steps');
  const decision = events.slice(seen).find((e) => e.kind === 'consent' && e.webId === owner.webId);
  assert.equal(decision?.accepted, false, `decision after the change: ${decision?.text}`);
  assert.match(decision?.reason ?? '', /^purpose rule: purpose .* is not accepted/);
  assert.equal(policyReads(owner.podUrl), readsBefore + 1, 'the changed policy was read once');
});
