// Foundation against a real Community Solid Server: accounts and pods, login and
// provisioning, the append-only inbox, and where the keys live (and where they do not).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { provision, type ProvisionReport } from '../agent/solid/provision.ts';
import { keyFilePath, loadOrCreateKeys } from '../agent/solid/keyfile.ts';
import { readPeer } from '../agent/solid/peer.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { aclUrlOf, getTurtle } from '../agent/solid/pod.ts';
import { containerMembers } from '../query-vocab/container.ts';
import { base58btcEncode } from '../query-vocab/multikey.ts';
import { freePorts } from '../harness/ports.ts';
import { documentOf } from '../query-vocab/index.ts';

const PODS = 4;
let fleet: Fleet;
let stateDir: string;
const sessions: AgentSession[] = [];
const reports: ProvisionReport[] = [];

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'podagg-foundation-'));
  // One pod more than the agents: it stays unprovisioned, for readPeer's error.
  fleet = await startFleet({ pods: PODS + 1, port: await freePorts(1) });
  for (const credential of fleet.credentials.slice(0, PODS)) {
    const session = await login(credential);
    sessions.push(session);
    reports.push(await provision(session, credential, stateDir));
  }
});

after(async () => {
  await Promise.all(sessions.map((s) => s.logout()));
  await fleet?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

test('N accounts get distinct pods, WebIDs and client credentials on the server', () => {
  assert.equal(fleet.credentials.length, PODS + 1);
  const [server] = fleet.servers;
  for (const c of fleet.credentials) {
    assert.ok(c.podUrl.startsWith(server.baseUrl), c.podUrl);
    assert.ok(c.webId.startsWith(c.podUrl), c.webId);
    assert.equal(c.oidcIssuer, server.baseUrl);
    assert.ok(c.clientId && c.clientSecret);
  }
  for (const key of ['webId', 'podUrl', 'email', 'clientId'] as const) {
    assert.equal(new Set(fleet.credentials.map((c) => c[key])).size, PODS + 1, `${key} is not unique`);
  }
});

test('each agent logs in as its WebID and the first provisioning does every step', () => {
  sessions.forEach((s, i) => assert.equal(s.webId, fleet.credentials[i].webId));
  for (const r of reports) {
    assert.deepEqual(r.changes, [
      'generated keys', 'created inbox', 'set inbox access', 'created presence document', 'set presence access',
      'published keys in the extended profile', 'set extended profile access', 'linked the extended profile from the WebID document',
    ]);
  }
});

test('provisioning twice is a no-op: no changes, same keys, same profile and ACL documents', async () => {
  for (let i = 0; i < PODS; i++) {
    const [session, credential] = [sessions[i], fleet.credentials[i]];
    const documents = [documentOf(credential.webId), podLayout(credential.podUrl).profile, await aclUrlOf(session.fetch, reports[i].inbox)];
    const read = () => Promise.all(documents.map((url) => getTurtle(session.fetch, url)));
    const before = await read();
    const again = await provision(session, credential, stateDir);
    assert.deepEqual(again.changes, [], credential.webId);
    assert.equal(again.inbox, reports[i].inbox);
    assert.deepEqual(again.keys, reports[i].keys);
    assert.deepEqual(await read(), before);
  }
});

test('the inbox is append-only for other agents, closed to anonymous ones, open to its owner', async () => {
  const [owner, other] = sessions;
  const inbox = reports[0].inbox;
  const turtle = '<#m> <#says> "hello" .';
  const post = (fetch: typeof globalThis.fetch) => fetch(inbox, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: turtle });

  const created = await post(other.fetch);
  assert.equal(created.status, 201);
  const message = new URL(created.headers.get('location')!, inbox).href;

  const denied = {
    'list the inbox': await other.fetch(inbox),
    'read a message': await other.fetch(message),
    'overwrite a message': await other.fetch(message, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '<#m> <#says> "forged" .' }),
    'patch a message': await other.fetch(message, { method: 'PATCH', headers: { 'content-type': 'application/sparql-update' }, body: 'INSERT DATA { <#m> <#says> "more" . }' }),
    'delete a message': await other.fetch(message, { method: 'DELETE' }),
  };
  for (const [what, response] of Object.entries(denied)) assert.equal(response.status, 403, `another agent could ${what}`);

  assert.equal((await post(globalThis.fetch)).status, 401, 'anonymous POST');
  assert.equal((await fetch(inbox)).status, 401, 'anonymous GET of the inbox');
  assert.equal((await fetch(message)).status, 401, 'anonymous GET of a message');

  assert.deepEqual(containerMembers(await getTurtle(owner.fetch, inbox), inbox), [message]);
  assert.match(await getTurtle(owner.fetch, message), /"hello"/);
});

test('readPeer returns the published inbox and the public keys of the local key file (mode 0600)', async () => {
  for (let i = 0; i < PODS; i++) {
    const { webId } = fleet.credentials[i];
    const file = keyFilePath(stateDir, webId);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const { keys, created } = await loadOrCreateKeys(file, webId);
    assert.equal(created, false);
    // Anonymous: the profile is public, a peer needs no session to read it.
    const peer = await readPeer(webId);
    const retired = { x25519: [], ed25519: [] }; // no rotation yet
    assert.deepEqual(peer, { webId, inbox: reports[i].inbox, x25519: keys.x25519.publicKey, ed25519: keys.ed25519.publicKey, retired });
  }
});

test('readPeer on a profile without podagg keys names what is missing', async () => {
  const { webId } = fleet.credentials[PODS];
  await assert.rejects(readPeer(webId), (error: Error) => {
    assert.match(error.message, /^the profile of \S+ lacks an inbox \(ldp:inbox\), an X25519 key .*, an Ed25519 key .*; run podagg agent init for it$/);
    return true;
  });
  const nowhere = new URL('no-such-pod/profile/card#me', fleet.servers[0].baseUrl).href;
  await assert.rejects(readPeer(nowhere), /^Error: cannot read the podagg keys of \S+: its profile answered 404$/);
});

/** Multicodec varint headers of private keys (x25519-priv 0x1302, ed25519-priv 0x1300), for their Multikey form. */
const PRIVATE_MULTICODEC = { x25519: [0x82, 0x26], ed25519: [0x80, 0x26] } as const;

test('no resource of a pod holds private key material, in base64, hex or base58', async () => {
  for (let i = 0; i < PODS; i++) {
    const [session, credential] = [sessions[i], fleet.credentials[i]];
    const { keys } = reports[i];
    const secrets = (['x25519', 'ed25519'] as const).flatMap((type) => {
      const key = keys[type].secretKey;
      const bytes = Buffer.from(key);
      const multikey = 'z' + base58btcEncode(Uint8Array.from([...PRIVATE_MULTICODEC[type], ...key]));
      return [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), bytes.toString('hex').toUpperCase(), base58btcEncode(key), multikey];
    });
    const documents = await crawl(session.fetch, credential.podUrl, documentOf(credential.webId));
    // The crawl must have reached what provisioning wrote, or it proves nothing.
    for (const url of [documentOf(credential.webId), podLayout(credential.podUrl).profile, reports[i].inbox, await aclUrlOf(session.fetch, reports[i].inbox)]) {
      assert.ok(documents.has(url), `the crawl missed ${url}`);
    }
    for (const [url, body] of documents) {
      for (const secret of secrets) {
        assert.ok(!body.includes(secret), `${url} holds a private key`);
      }
    }
  }
});

/** Every resource of a pod (its containers' members recursively, the profile) and every existing ACL document, by URL. */
async function crawl(fetch: typeof globalThis.fetch, podUrl: string, profileUrl: string): Promise<Map<string, string>> {
  const documents = new Map<string, string>();
  const seen = new Set<string>();
  const pending = [podUrl, profileUrl];
  while (pending.length) {
    const url = pending.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await fetch(url, { headers: { accept: 'text/turtle' } });
    const isAcl = url.endsWith('.acl');
    // A resource that inherits its rules has no ACL document of its own.
    if (isAcl && response.status === 404) continue;
    assert.ok(response.ok, `GET ${url} answered ${response.status}`);
    const body = await response.text();
    documents.set(url, body);
    if (url.endsWith('/')) pending.push(...containerMembers(body, url));
    if (!isAcl) pending.push(await aclUrlOf(fetch, url));
  }
  return documents;
}
