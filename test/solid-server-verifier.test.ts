// The embedded CSS verifies each authenticated request's token against the issuers its
// WebID document lists, and remembers them for 10 000 WebIDs rather than the verifier's
// default 100: past 100 agents, nearly every request made the server read the requester's
// WebID document again (compiled-config.ts).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { getTurtle } from '../agent/solid/pod.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { createAccount } from '../solid-server/accounts.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { startSolidServer, type SolidServer } from '../solid-server/solid-server.ts';
import { freePorts } from '../harness/ports.ts';

let server: SolidServer;
let session: AgentSession;
let podUrl: string;
const requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-verifier-')), 'requests.jsonl');

before(async () => {
  const port = await freePorts(1);
  server = await startSolidServer({ port, requestLog });
  const credential = await createAccount(server.baseUrl, 'alice', 'alice-password-1');
  podUrl = credential.podUrl;
  session = await login(credential);
});

after(async () => {
  await session?.logout();
  await server?.stop();
});

test('the server reads a WebID document once for many requests, and keeps the issuers of 10 000 WebIDs', async () => {
  const from = Date.now();
  for (let i = 0; i < 5; i++) await getTurtle(session.fetch, podUrl);
  const card = new URL(session.webId).href.replace(/#.*$/, '');
  // The agent names itself on its own requests; the server's reads of the WebID document do not.
  const reads = readRequestLog(requestLog).filter((r) => r.at >= from && r.method === 'GET' && r.url === card && !r.agent);
  assert.ok(reads.length <= 1, `the server read ${session.webId} ${reads.length} times for 5 requests`);
  // The cache the verifier builds, as CSS resolves it.
  const cssRequire = createRequire(createRequire(import.meta.url).resolve('@solid/community-server/package.json'));
  const { WebIDIssuersCache } = cssRequire('@solid/access-token-verifier/dist/class/WebIDIssuersCache') as { WebIDIssuersCache: new () => { max: number } };
  assert.equal(new WebIDIssuersCache().max, 10_000);
});
