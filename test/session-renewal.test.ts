// A session lives longer than its access token, against a real Community Solid Server: a
// client-credentials token has no refresh token and expires after 10 minutes on CSS, so the
// session logs in again before then, once for concurrent requests. The token's expiry is a
// timeout: the test drives the session's clock rather than waiting for it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { freePorts } from '../harness/ports.ts';

let fleet: Fleet;
let session: AgentSession;
let clock = Date.now();
/** Token requests before this session's login (the fleet's own). */
let before0 = 0;
const requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-session-')), 'requests.jsonl');

before(async () => {
  fleet = await startFleet({ pods: 1, port: await freePorts(1), requestLog });
  before0 = tokenRequests();
  session = await login(fleet.credentials[0], { now: () => clock });
});
after(async () => {
  await session?.logout();
  await fleet?.stop();
});

const tokenRequests = () => readRequestLog(requestLog).filter((r) => r.method === 'POST' && new URL(r.url).pathname.startsWith('/.oidc/token')).length;
/** The pod root's ACL: its owner reads it, nobody else. */
const ownerOnly = () => new URL('.acl', fleet.credentials[0].podUrl).href;

test('a session logs in again before its token expires, once for concurrent requests, and stays its owner', async () => {
  assert.equal((await fetch(ownerOnly())).status, 401, 'anonymous requests are refused');
  assert.equal((await session.fetch(ownerOnly())).status, 200);
  const logins = () => tokenRequests() - before0;
  assert.equal(logins(), 1, 'the login asked for one token');
  // Eleven minutes on: the token (10 minutes) is past due.
  clock += 11 * 60_000;
  assert.equal((await session.fetch(ownerOnly())).status, 200, 'still the owner after the token was due');
  assert.equal(logins(), 2, 'one login more');
  clock += 11 * 60_000;
  const answers = await Promise.all([session.fetch(ownerOnly()), session.fetch(ownerOnly()), session.fetch(ownerOnly())]);
  assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
  assert.equal(logins(), 3, 'concurrent requests wait for one renewal');
  // Within the token's life nothing is renewed.
  await session.fetch(ownerOnly());
  assert.equal(logins(), 3);
});
