// People's pods live with different providers: a run over pods spread across three
// embedded servers, each its own identity provider, gives the same exact result.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, type Demo } from '../demo/demo.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { freePorts } from '../harness/ports.ts';

let demo: Demo;

before(async () => {
  demo = await startDemo({ pods: 21, servers: 3, port: await freePorts(3), collectMs: LONG_COLLECT_MS });
});
after(async () => demo?.stop());

test('a run over pods on three servers gives exactly the plain answer', async () => {
  const issuers = new Set(demo.credentials.map((c) => c.oidcIssuer));
  assert.equal(issuers.size, 3);
  const o = await demo.publish('spending-histogram');
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  assert.ok(o.exact, `result ${JSON.stringify(o.published?.values)} differs from the plain answer`);
  assert.equal(o.published?.completeness, 1);
  // Contributors came from every provider.
  const hosts = new Set(demo.people.map((p) => new URL(p.base).host));
  assert.equal(hosts.size, 3);
});
