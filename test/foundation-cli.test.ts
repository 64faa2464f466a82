// Foundation through the podagg command, run as a child process: `pods up` on an existing
// data folder comes back with the same pods, and `agent init` fails on bad input with one
// clear line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import { login } from '../agent/solid/session.ts';
import { readCredentials, type Credential } from '../agent/solid/credentials.ts';
import { loopbackUrl } from '../query-vocab/terms.ts';
import { runCli, startCli, type CliResult } from './helpers/cli.ts';
import { freePorts } from '../harness/ports.ts';

let root: string;
let fleet: Fleet;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'podagg-foundation-cli-'));
  fleet = await startFleet({ pods: 2, port: await freePorts(1) });
});

after(async () => {
  await fleet?.stop();
  await rm(root, { recursive: true, force: true });
});

test('pods up on an existing data folder restarts with the same WebIDs and working credentials', async () => {
  const data = join(root, 'data');
  const args = ['pods', 'up', '--pods', '2', '--port', String(await freePorts(1)), '--data', data];
  const up = async (): Promise<Credential[]> => {
    const cli = startCli(args);
    try {
      await cli.waitFor(/^running/, 45_000);
      return await readCredentials(join(data, 'credentials.json'));
    } finally {
      const result = await cli.stop('SIGINT');
      assert.equal(result.code, 0, `pods up did not stop cleanly on SIGINT: ${result.stderr}`);
    }
  };
  const first = await up();
  assert.equal(first.length, 2);

  const cli = startCli(args);
  try {
    await cli.waitFor(/^running/, 45_000);
    const second = await readCredentials(join(data, 'credentials.json'));
    assert.deepEqual(second.map((c) => c.webId), first.map((c) => c.webId));
    for (const credential of second) {
      const session = await login(credential);
      assert.equal(session.webId, credential.webId);
      // The pod itself survived: its owner can read it.
      assert.equal((await session.fetch(credential.podUrl)).status, 200);
      await session.logout();
    }
  } finally {
    await cli.stop('SIGINT');
  }
});

/** Runs `agent init` for one credentials entry (written to its own file). */
async function agentInit(name: string, credential: Credential): Promise<CliResult> {
  const file = join(root, `${name}.json`);
  await writeFile(file, JSON.stringify([credential]));
  return runCli(['agent', 'init', '--credentials', file, '--webid', credential.webId, '--state', join(root, `state-${name}`)]);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One line on stderr, starting with `podagg:`, matching `pattern`; a non-zero exit; no stack trace. */
function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.ok(result.code !== null && result.code !== 0, `exit code ${result.code}, signal ${result.signal}`);
  assert.doesNotMatch(result.stderr, /^ {4}at /m, 'a stack trace on stderr');
  const lines = result.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, `not one line on stderr:\n${result.stderr}`);
  assert.match(lines[0], /^podagg: /);
  assert.match(lines[0], pattern);
}

// Each case is a child process waiting mostly on its own start-up: run them side by side.
describe('agent init', { concurrency: true }, () => {
  test('agent init --all provisions every entry, and a second run changes nothing', async () => {
    const file = join(root, 'all.json');
    await writeFile(file, JSON.stringify(fleet.credentials));
    const args = ['agent', 'init', '--credentials', file, '--all', '--state', join(root, 'state-all')];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    const steps = 'generated keys, created inbox, set inbox access, created presence document, set presence access, published keys in the extended profile, set extended profile access, linked the extended profile from the WebID document';
    assert.deepEqual(first.stdout.trim().split('\n'), fleet.credentials.map((c) => `${c.webId}: ${steps}`));
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(second.stdout.trim().split('\n'), fleet.credentials.map((c) => `${c.webId}: already provisioned`));
    // From another state folder: refused, naming the folder, and the keys stay.
    const other = join(root, 'state-other');
    const third = await runCli(['agent', 'init', '--credentials', file, '--all', '--state', other]);
    assert.equal(third.code, 1);
    assert.match(third.stderr, new RegExp(`^podagg: the profile of \\S+ publishes keys that are not in the state folder ${other} `));
    assert.deepEqual((await runCli(args)).stdout.trim().split('\n'), fleet.credentials.map((c) => `${c.webId}: already provisioned`));
  });

  test('agent init with a wrong client secret: one clear error line', async () => {
    const [credential] = fleet.credentials;
    const result = await agentInit('wrong-secret', { ...credential, clientSecret: `${credential.clientSecret}x` });
    assertOneLineError(result, /cannot log in as \S+ at \S+: the client id or secret is wrong$/);
  });

  test('agent init with an unreachable issuer: one clear error line', async () => {
    const [credential] = fleet.credentials;
    // A free port: nothing listens there.
    const result = await agentInit('unreachable', { ...credential, oidcIssuer: loopbackUrl(await freePorts(1)) });
    assertOneLineError(result, /cannot log in as \S+ at \S+: the issuer is unreachable$/);
  });

  test('agent init for a WebID without a profile: one clear error line', async () => {
    const [, credential] = fleet.credentials;
    // The entry names a WebID whose profile does not exist; its client credentials are real.
    const webId = new URL('no-such-person/profile/card#me', fleet.servers[0].baseUrl).href;
    const result = await agentInit('no-profile', { ...credential, webId });
    assertOneLineError(result, new RegExp(`cannot log in as ${escape(webId)}: the issuer \\S+ vouched for ${escape(credential.webId)} instead$`));
  });

  test('agent init with a WebID missing from the credentials file: one clear error line', async () => {
    const file = join(root, 'credentials.json');
    await writeFile(file, JSON.stringify(fleet.credentials));
    const webId = new URL('nobody/profile/card#me', fleet.servers[0].baseUrl).href;
    const result = await runCli(['agent', 'init', '--credentials', file, '--webid', webId, '--state', join(root, 'state-missing')]);
    assertOneLineError(result, /^podagg: no credentials for \S+ in the credentials file$/);
  });
});
