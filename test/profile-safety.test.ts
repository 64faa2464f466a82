// The user's WebID document is theirs: podagg adds one rdfs:seeAlso link to its extended
// profile and touches nothing it did not write; it never replaces published keys whose
// private halves it does not hold; and where it cannot write the WebID document it says what
// to add. Against a real Community Solid Server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactory, type Quad } from 'n3';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { KeyConflictError, ProfileLinkError, provision } from '../agent/solid/provision.ts';
import { keyFilePath, loadOrCreateKeys } from '../agent/solid/keyfile.ts';
import { readPeer } from '../agent/solid/peer.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { getTurtle, getTurtleIfExists, patchN3 } from '../agent/solid/pod.ts';
import { ensureAccess } from '../agent/solid/access.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import { Graph, documentOf, n3Patch } from '../query-vocab/index.ts';
import { encodeMultikey } from '../query-vocab/multikey.ts';
import { FOAF, LDP, RDF, RDFS, SEC } from '../query-vocab/terms.ts';
import { randomBytes } from 'node:crypto';
import { freePorts } from '../harness/ports.ts';

const { namedNode, literal, quad } = DataFactory;

let fleet: Fleet;
const sessions: AgentSession[] = [];
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'podagg-profile-'));
  dirs.push(dir);
  return dir;
};

before(async () => {
  fleet = await startFleet({ pods: 3, port: await freePorts(1) });
  for (const c of fleet.credentials) sessions.push(await login(c));
});

after(async () => {
  await Promise.all(sessions.map((s) => s.logout()));
  await fleet?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const webIdQuads = async (session: AgentSession, c: Credential): Promise<Quad[]> => Graph.parse(await getTurtle(session.fetch, documentOf(c.webId)), documentOf(c.webId)).quads;
const has = (quads: Quad[], q: Quad) => quads.some((r) => r.equals(q));

test("an NSS-shaped profile keeps every triple podagg did not write through two provisionings; an earlier podagg's entries move out", async () => {
  const [session, c] = [sessions[0], fleet.credentials[0]];
  const stateDir = tempDir();
  const me = namedNode(c.webId);
  const doc = documentOf(c.webId);
  // The user's own: an inbox of their own, a signing key of another app, a name.
  const userKey = namedNode(`${doc}#key-1`);
  const users: Quad[] = [
    quad(me, namedNode(LDP.inbox), namedNode(new URL('inbox/', c.podUrl).href)),
    quad(me, namedNode(SEC.assertionMethod), userKey),
    quad(userKey, namedNode(RDF.type), namedNode(SEC.Multikey)),
    quad(userKey, namedNode(SEC.publicKeyMultibase), literal(encodeMultikey('ed25519', randomBytes(32)), namedNode(SEC.multibase))),
    quad(me, namedNode(FOAF.name), literal('Ada')),
  ];
  // What podagg wrote into the WebID document before the extended profile, for keys this state folder holds.
  const { keys } = await loadOrCreateKeys(keyFilePath(stateDir, c.webId), c.webId);
  const legacy: Quad[] = [quad(me, namedNode(LDP.inbox), namedNode(podLayout(c.podUrl).inbox))];
  for (const [type, link] of [['x25519', SEC.keyAgreementMethod], ['ed25519', SEC.assertionMethod]] as const) {
    const node = namedNode(`${doc}#podagg-${type}`);
    legacy.push(
      quad(me, namedNode(link), node),
      quad(node, namedNode(RDF.type), namedNode(SEC.Multikey)),
      quad(node, namedNode(SEC.controller), me),
      quad(node, namedNode(SEC.publicKeyMultibase), literal(encodeMultikey(type, keys[type].publicKey), namedNode(SEC.multibase))),
    );
  }
  await patchN3(session.fetch, doc, n3Patch([], [...users, ...legacy]));
  const before = await webIdQuads(session, c);

  const first = await provision(session, c, stateDir);
  assert.ok(first.changes.includes('linked the extended profile from the WebID document'), first.changes.join(', '));
  assert.ok(first.changes.includes(`moved podagg's ${legacy.length} entries out of the WebID document`), first.changes.join(', '));
  const after1 = await webIdQuads(session, c);
  const link = quad(me, namedNode(RDFS.seeAlso), namedNode(podLayout(c.podUrl).profile));
  for (const q of before) if (!has(legacy, q)) assert.ok(has(after1, q), `lost ${q.subject.value} ${q.predicate.value} ${q.object.value}`);
  for (const q of legacy) assert.ok(!has(after1, q), `kept podagg's old ${q.predicate.value}`);
  assert.deepEqual(after1.filter((q) => !has(before, q)), [link], 'the one triple podagg adds is the link');

  const second = await provision(session, c, stateDir);
  assert.deepEqual(second.changes, []);
  assert.deepEqual(await webIdQuads(session, c), after1);

  // Peers follow the link, and take podagg's inbox, not the user's.
  const peer = await readPeer(c.webId);
  assert.equal(peer.inbox, podLayout(c.podUrl).inbox);
  assert.deepEqual(peer.x25519, keys.x25519.publicKey);
});

test('provisioning from a second state folder refuses to replace the published keys, and creates no key file there', async () => {
  const [session, c] = [sessions[1], fleet.credentials[1]];
  const [first, second] = [tempDir(), tempDir()];
  const { keys } = await provision(session, c, first);
  const profile = await getTurtle(session.fetch, podLayout(c.podUrl).profile);
  await assert.rejects(provision(session, c, second), (e: Error) => {
    assert.ok(e instanceof KeyConflictError, String(e));
    assert.match(e.message, new RegExp(`not in the state folder ${second}`));
    return true;
  });
  assert.ok(!existsSync(keyFilePath(second, c.webId)), 'no keys generated in the second folder');
  assert.equal(await getTurtle(session.fetch, podLayout(c.podUrl).profile), profile);
  assert.deepEqual((await readPeer(c.webId)).ed25519, keys.ed25519.publicKey);
  // Asked for, the replacement happens.
  const replaced = await provision(session, c, second, { replaceKeys: true });
  assert.deepEqual((await readPeer(c.webId)).ed25519, replaced.keys.ed25519.publicKey);
  assert.notDeepEqual(replaced.keys.ed25519.publicKey, keys.ed25519.publicKey);
});

test('a WebID document the agent may not write: provisioning names the one triple to add and where', async () => {
  const [session, c] = [sessions[2], fleet.credentials[2]];
  const doc = documentOf(c.webId);
  // As on ESS: the owner's apps read the WebID document but do not write it.
  await ensureAccess(session.fetch, doc, [
    { name: 'owner', to: [{ kind: 'agent', webId: c.webId }], modes: ['Read', 'Control'], inherit: false },
    { name: 'public', to: [{ kind: 'public' }], modes: ['Read'], inherit: false },
  ]);
  const before = await getTurtle(session.fetch, doc);
  const stateDir = tempDir();
  await assert.rejects(provision(session, c, stateDir), (e: Error) => {
    assert.ok(e instanceof ProfileLinkError, String(e));
    assert.ok(e.message.includes(`<${c.webId}> <${RDFS.seeAlso}> <${podLayout(c.podUrl).profile}> .`), e.message);
    assert.ok(e.message.includes(doc), e.message);
    return true;
  });
  assert.equal(await getTurtle(session.fetch, doc), before);
  // Everything else is in place: the keys wait in the extended profile for the link.
  const { keys } = await loadOrCreateKeys(keyFilePath(stateDir, c.webId), c.webId);
  assert.ok((await getTurtleIfExists(session.fetch, podLayout(c.podUrl).profile))?.includes(encodeMultikey('ed25519', keys.ed25519.publicKey)));
});
