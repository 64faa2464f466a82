// A person whose pod is on the Node Solid Server, from the command line: NSS hands out no
// client credentials for a WebID, so `podagg login` has the owner log in once in a browser
// (here its forms are filled in as a browser would) and keeps a refresh token; `agent init`
// then logs in with it by itself and leaves NSS's own profile triples where they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveLocalhostNames } from '../agent/solid/localhost-names.ts';
import { readCredentials } from '../agent/solid/credentials.ts';
import { readPeer } from '../agent/solid/peer.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { startNss } from '../solid-server/nss.ts';
import { registerNssAccount, signInAndAuthorize } from '../solid-server/nss-accounts.ts';
import type { SolidServer } from '../solid-server/solid-server.ts';
import { documentOf } from '../query-vocab/index.ts';
import { LDP, RDFS } from '../query-vocab/terms.ts';
import { freePorts } from '../harness/ports.ts';
import { runCli, startCli } from './helpers/cli.ts';
import { tripleKeys } from './helpers/triples.ts';

resolveLocalhostNames();

let nss: SolidServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'podagg-nss-cli-'));
const credentials = path.join(dir, 'credentials.json');
const state = path.join(dir, 'state');

before(async () => {
  nss = await startNss({ port: await freePorts(1), dataDir: path.join(dir, 'nss') });
  await registerNssAccount(nss.baseUrl, 'carol', 'carol-password-1');
});
after(async () => {
  await nss?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('podagg login keeps a refresh token; agent init logs in with it and leaves the WebID document as NSS made it', { timeout: 120_000 }, async () => {
  const issuer = nss.baseUrl.replace(/\/$/, '');
  const cli = startCli(['login', '--issuer', issuer, '--credentials', credentials]);
  const page = (await cli.waitFor(new RegExp(`^${issuer}/authorize\\?`))).trim();
  const back = await cli.waitFor(/waiting for the browser to come back to /);
  const redirect = back.slice(back.indexOf('http://'));
  // The owner logs in and authorizes the client in the browser, which goes back to the CLI.
  const callback = await signInAndAuthorize(nss.baseUrl, page, redirect, 'carol', 'carol-password-1');
  const answer = await fetch(callback);
  assert.equal(answer.status, 200, await answer.clone().text());
  assert.match(await answer.text(), /logged in as http:\/\/carol\.localhost/);
  const done = await cli.exited;
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /logged in as http:\/\/carol\.localhost:\d+\/profile\/card#me \(pod http:\/\/carol\.localhost:\d+\/\); credentials saved to /);

  const [carol] = await readCredentials(credentials);
  assert.ok(carol.refreshToken, 'a refresh token was kept');
  assert.equal(statSync(credentials).mode & 0o777, 0o600);
  const card = documentOf(carol.webId);
  const before = await (await fetch(card)).text();

  const init = await runCli(['agent', 'init', '--credentials', credentials, '--all', '--state', state], 60_000);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /linked the extended profile from the WebID document/);
  const again = await runCli(['agent', 'init', '--credentials', credentials, '--all', '--state', state], 60_000);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already provisioned/);

  const was = tripleKeys(before, card);
  const now = tripleKeys(await (await fetch(card)).text(), card);
  assert.ok(was.has(`${carol.webId} ${LDP.inbox} ${carol.podUrl}inbox/`), "NSS's own inbox triple");
  for (const triple of was) assert.ok(now.has(triple), `kept: ${triple}`);
  assert.deepEqual([...now].filter((t) => !was.has(t)), [`${carol.webId} ${RDFS.seeAlso} ${podLayout(carol.podUrl).profile}`], 'one link added');
  // Peers find podagg's inbox through the link, not NSS's.
  assert.equal((await readPeer(carol.webId)).inbox, podLayout(carol.podUrl).inbox);
});

test('podagg login says what is wrong with its input', async () => {
  const bad = await runCli(['login', '--issuer', 'not a url']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--issuer must be a URL, not "not a url"/);
  const none = await runCli(['login']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--issuer is required/);
  const written = await readFile(credentials, 'utf8').catch(() => '');
  assert.ok(!written.includes('not a url'));
});
