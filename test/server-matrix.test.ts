// People's pods live on servers configured differently. The same checks on each of CSS's
// presets besides the in-memory WAC one every other suite runs on (WAC on disk, ACP on disk
// as its own preset, WAC with a pod per subdomain of localhost) and on the Node Solid Server.
// On each: provisioning sets the access it meant, leaves the WebID document's own triples
// alone, and a doctored access document is found and repaired; the inbox takes
// other agents' messages and shows them to nobody but its owner; a query gives the exact
// plain answer though an agent is killed after sending its share and restarted.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../agent/solid/events.ts';
import type { HostedAgent } from '../agent/solid/host.ts';
import { POLICIES, accessDocumentOf, checkAccess, ensureAccess } from '../agent/solid/access.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { resolveLocalhostNames } from '../agent/solid/localhost-names.ts';
import { readPeer } from '../agent/solid/peer.ts';
import { getTurtle, putTurtle } from '../agent/solid/pod.ts';
import { login } from '../agent/solid/session.ts';
import { provision } from '../agent/solid/provision.ts';
import { aclTurtle, acrTurtle, documentOf } from '../query-vocab/index.ts';
import { LDP, RDFS } from '../query-vocab/terms.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import type { ServerKind } from '../solid-server/solid-server.ts';
import { freePorts } from '../harness/ports.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { tripleKeys } from './helpers/triples.ts';

resolveLocalhostNames();

const ROWS: Array<{ name: string; kind: ServerKind; onDisk: boolean; mechanism: 'wac' | 'acp' }> = [
  { name: 'CSS, WAC, file backend', kind: 'wac', onDisk: true, mechanism: 'wac' },
  { name: 'CSS, ACP preset, file backend', kind: 'acp', onDisk: true, mechanism: 'acp' },
  { name: 'CSS, WAC, pods on subdomains', kind: 'subdomains', onDisk: false, mechanism: 'wac' },
  { name: 'NSS 5.7.7, WAC, pods on subdomains', kind: 'nss', onDisk: true, mechanism: 'wac' },
];

for (const row of ROWS) {
  describe(row.name, () => {
    let demo: Demo;
    let dataDir: string | undefined;

    before(async () => {
      dataDir = row.onDisk ? mkdtempSync(path.join(os.tmpdir(), 'podagg-matrix-')) : undefined;
      demo = await startDemo({ pods: 16, kind: row.kind, dataDir, port: await freePorts(), collectMs: LONG_COLLECT_MS });
    });
    after(async () => {
      await demo?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    const fetchOf = (webId: string) => demo.host.get(webId).session.fetch;

    test('provisioning set the access it meant, on the mechanism the server uses', async () => {
      const member = demo.credentials[1];
      if (row.kind === 'subdomains' || row.kind === 'nss') assert.match(new URL(member.podUrl).hostname, /\.localhost$/);
      const { inbox, presence, profile } = podLayout(member.podUrl);
      assert.equal((await accessDocumentOf(fetchOf(member.webId), inbox)).mechanism, row.mechanism);
      assert.deepEqual(await checkAccess(fetchOf(member.webId), inbox, POLICIES.inbox(member.webId)), []);
      assert.deepEqual(await checkAccess(fetchOf(member.webId), presence, POLICIES.publicDocument(member.webId)), []);
      assert.deepEqual(await checkAccess(fetchOf(member.webId), profile, POLICIES.publicDocument(member.webId)), []);
      // Peers find the keys by the WebID document's link.
      assert.equal((await readPeer(member.webId)).inbox, inbox);
    });

    test("a fresh account's WebID document keeps every triple it had after provisioning twice, and gains one link", async () => {
      const fresh = await demo.fleet.createAccount(`visitor-${row.kind}`, 'visitor-password-1');
      const session = await login(fresh);
      const card = documentOf(fresh.webId);
      const had = tripleKeys(await getTurtle(session.fetch, card), card);
      const stateDir = mkdtempSync(path.join(os.tmpdir(), 'podagg-visitor-'));
      try {
        await provision(session, fresh, stateDir);
        await provision(session, fresh, stateDir);
        const now = tripleKeys(await getTurtle(session.fetch, card), card);
        assert.deepEqual([...had].filter((t) => !now.has(t)), [], 'triples lost');
        assert.deepEqual([...now].filter((t) => !had.has(t)), [`${fresh.webId} ${RDFS.seeAlso} ${podLayout(fresh.podUrl).profile}`]);
        if (row.kind === 'nss') assert.ok(had.has(`${fresh.webId} ${LDP.inbox} ${fresh.podUrl}inbox/`), "NSS's own inbox is in the profile");
      } finally {
        await session.logout();
        await rm(stateDir, { recursive: true, force: true });
      }
    });

    test('a doctored access document is found, and provisioning puts it right', async () => {
      const member = demo.credentials[2];
      const fetch = fetchOf(member.webId);
      const { inbox } = podLayout(member.podUrl);
      const doc = await accessDocumentOf(fetch, inbox);
      // Someone opens the inbox to everyone for reading.
      const opened = [...POLICIES.inbox(member.webId), { name: 'leak', to: [{ kind: 'public' as const }], modes: ['Read' as const], inherit: true }];
      await putTurtle(fetch, doc.url, (doc.mechanism === 'acp' ? acrTurtle : aclTurtle)(doc.url, inbox, opened));
      assert.ok((await globalThis.fetch(inbox)).ok, 'the doctored document is in force');
      const found = await checkAccess(fetch, inbox, POLICIES.inbox(member.webId));
      assert.ok(found.some((d) => d.startsWith('grants Read for everyone')), found.join('; '));
      // What the first build did on ACP: WAC rules written into the ACR, which ACP ignores.
      if (doc.mechanism === 'acp') {
        await putTurtle(fetch, doc.url, aclTurtle(doc.url, inbox, POLICIES.inbox(member.webId)));
        const ignored = await checkAccess(fetch, inbox, POLICIES.inbox(member.webId));
        assert.ok(ignored.some((d) => d.startsWith('lacks Append for authenticated agents')), ignored.join('; '));
      }
      assert.equal(await ensureAccess(fetch, inbox, POLICIES.inbox(member.webId)), true);
      assert.deepEqual(await checkAccess(fetch, inbox, POLICIES.inbox(member.webId)), []);
      assert.equal((await globalThis.fetch(inbox)).status, 401);
    });

    test('another agent appends to an inbox and can neither read nor list it; anonymous gets 401', async () => {
      const [owner, other] = [demo.credentials[3], demo.credentials[4]];
      const { inbox } = podLayout(owner.podUrl);
      // The owner's agent would take the message away as soon as it came.
      await demo.host.kill(owner.webId);
      const session = await login(owner);
      const ownerFetch = session.fetch;
      const posted = await fetchOf(other.webId)(inbox, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: '<#m> <#says> "hello" .' });
      assert.equal(posted.status, 201);
      const message = new URL(posted.headers.get('location')!, inbox).href;
      for (const url of [inbox, message]) {
        assert.equal((await fetchOf(other.webId)(url)).status, 403, `another agent reads ${url}`);
        assert.equal((await globalThis.fetch(url)).status, 401, `anonymous reads ${url}`);
      }
      assert.equal((await globalThis.fetch(inbox, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: '<#m> <#says> "hi" .' })).status, 401);
      assert.ok((await getTurtle(ownerFetch, message)).includes('hello'));
      await ownerFetch(message, { method: 'DELETE' });
      await session.logout();
      await demo.host.add([owner]);
    });

    test('a query gives the exact plain answer though an agent is killed after sending its share, then restarted', { timeout: 180_000 }, async () => {
      let killed: HostedAgent | undefined;
      let restart: Promise<void> | undefined;
      const listener = (e: RunEvent) => {
        if (killed || e.kind !== 'sent' || e.messageType !== 'Contribution' || e.webId === demo.querier.webId) return;
        killed = demo.host.agents.get(e.webId)!;
        restart = demo.host.kill(e.webId).then(() => demo.host.add([killed!.credential]));
      };
      demo.host.journal.on('event', listener);
      const o = await demo.publish('spending-histogram');
      demo.host.journal.off('event', listener);
      await restart;
      assert.ok(killed, 'an agent was killed');
      assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
      assert.ok(o.exact, `result ${JSON.stringify(o.published?.values)} differs from the plain answer`);
      assert.equal(o.published?.completeness, 1);
    });
  });
}
