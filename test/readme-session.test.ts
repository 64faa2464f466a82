// The README's "full session by hand", run as written: its block, taken from README.md, goes
// verbatim into one bash script (set -e) run in an empty folder with podagg on the PATH and a
// home of its own, so every command uses the default state folder there and the user's stays
// untouched. Where a line runs in the background, its comment says what to wait for; the
// script pauses there until the test has seen that text, as a reader would. The query must
// print the result that the seeded data and the owners' policies imply.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePlan, parseQuery, parseResult } from '../query-vocab/index.ts';
import { readPolicy } from '../agent/solid/consent-store.ts';
import { readCredentials } from '../agent/solid/credentials.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { login } from '../agent/solid/session.ts';
import { formatResult } from '../cli/result-format.ts';
import { DEFAULT_SEED, generatePerson, personDocuments } from '../demo/data.ts';
import { plainAnswer, type PlainPerson } from '../demo/plain.ts';
import { freePorts } from '../harness/ports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Longest a single step may take before the test gives up (a safety net, not a pause). */
const STEP_MS = 240_000;

/** The lines of the first fenced block after the README's "A full session by hand" line. */
export function sessionBlock(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith('A full session by hand'));
  const open = lines.findIndex((l, i) => i > start && l.startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  assert.ok(start >= 0 && open > start && close > open, 'README.md has no fenced block after "A full session by hand"');
  return lines.slice(open + 1, close);
}

/** For a line run in the background (its command ends with a single &): the text its comment says to wait for. */
export function waitsFor(line: string): string | undefined {
  const command = line.replace(/\s#.*$/, '').trimEnd();
  if (!/[^&]&$/.test(command)) return undefined;
  const text = /#.*\bwait for "([^"]+)"/.exec(line)?.[1];
  assert.ok(text, `a line run in the background must say what to wait for: ${line}`);
  return text;
}

test('waitsFor finds the background lines and what to wait for', () => {
  assert.equal(waitsFor('podagg pods up &    # wait for "running"; writes x'), 'running');
  assert.equal(waitsFor('a && b'), undefined);
  assert.equal(waitsFor('podagg consent set --all   # not & here'), undefined);
  assert.throws(() => waitsFor('podagg agent run --all &'), /must say what to wait for/);
});

test('the README\'s full session by hand runs as written and prints the result the data implies', { timeout: 900_000 }, async () => {
  const block = sessionBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const pauses = block.map(waitsFor).filter((t) => t !== undefined);
  const dir = mkdtempSync(join(tmpdir(), 'podagg-readme-'));
  const [home, bin, work] = ['home', 'bin', 'work'].map((d) => join(dir, d));
  await Promise.all([home, bin, work].map((d) => mkdir(d)));
  // The block runs in the repository's folder: it reads examples/.
  await symlink(join(ROOT, 'examples'), join(work, 'examples'));
  await symlink(join(ROOT, 'bin', 'podagg.js'), join(bin, 'podagg'));
  // The script is the block, a pause after each background line, and a last pause before it
  // stops its jobs, so that the servers still answer while the test checks the result.
  const script = [...block.flatMap((l) => (waitsFor(l) ? [l, 'read -r _'] : [l])), 'read -r _', 'kill $(jobs -p); wait'];
  await writeFile(join(dir, 'session.sh'), script.join('\n') + '\n');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PATH: `${bin}:${process.env.PATH}`, PODAGG_PORT: String(await freePorts(1)), PODAGG_DEBUG: '' };
  // The default folder then is $HOME/.local/state/podagg.
  delete env.XDG_STATE_HOME;
  delete env.PODAGG_STATE;
  // A process group of its own: on failure the test kills the background jobs too.
  const bash = spawn('bash', ['-e', join(dir, 'session.sh')], { cwd: work, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  bash.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  bash.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => bash.once('close', (code) => resolve(code)));

  /** The first match of `pattern` in stdout from `from` on, once printed; rejects if bash exits first. */
  const printed = (pattern: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
      const timer = setTimeout(() => finish(new Error(`nothing matched ${pattern} within ${STEP_MS} ms`)), STEP_MS);
      const check = () => {
        global.lastIndex = from;
        const match = global.exec(stdout);
        if (match) finish(undefined, match);
      };
      const early = (code: number | null) => finish(new Error(`the session ended (exit ${code}) before printing ${pattern}`));
      function finish(error?: Error, match?: RegExpExecArray) {
        clearTimeout(timer);
        bash.stdout.off('data', check);
        if (error) reject(new Error(`${error.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        else resolve(match!);
      }
      bash.stdout.on('data', check);
      void exited.then(early);
      check();
    });

  try {
    let from = 0;
    for (const text of pauses) {
      const match = await printed(new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), from);
      from = match.index + match[0].length;
      bash.stdin.write('\n');
    }
    // query publish prints the result last, from its "result" line to its contributor count.
    await printed(/^ {2}contributors \d+, completeness/m, from);
    const [queryUrl, planUrl, resultUrl] = [/^query {3}(\S+)$/m, /^plan {4}(\S+)$/m, /^result {3}(\S+)$/m].map((p) => p.exec(stdout)![1]);
    const query = parseQuery(await getTurtle(globalThis.fetch, queryUrl), queryUrl);
    const plan = parsePlan(await getTurtle(globalThis.fetch, planUrl), planUrl);
    const result = parseResult(await getTurtle(globalThis.fetch, resultUrl), resultUrl);
    assert.ok(stdout.includes(formatResult(query, result)), `the published result is not what was printed:\n${stdout}`);

    // What the data implies: the same query and plan over the seeded people, with the policies the block wrote.
    const credentials = await readCredentials(join(work, 'pods', 'credentials.json'));
    const people: PlainPerson[] = [];
    for (const [i, c] of credentials.entries()) {
      const session = await login(c);
      const policy = await readPolicy(session.fetch, c.podUrl);
      await session.logout();
      assert.ok(policy, `no consent policy in ${c.podUrl}`);
      people.push({ base: c.podUrl, documents: personDocuments(generatePerson(DEFAULT_SEED, i), c.podUrl), policy });
    }
    const plain = await plainAnswer(query, plan, people, new Set(Object.keys(plan.zones)));
    assert.ok(plain.contributors >= query.minContributors, `the seeded data has ${plain.contributors} contributors, fewer than the query's ${query.minContributors}`);
    assert.equal(result.contributors, plain.contributors);
    assert.deepEqual(result.values.map((v) => v.value), plain.values.map((v) => v.value));

    // One state folder, the default one under the test's home: every agent's keys, nothing in the working folder.
    assert.equal(readdirSync(join(home, '.local', 'state', 'podagg', 'keys')).length, credentials.length);
    assert.ok(!existsSync(join(work, '.podagg')), 'a command used ./.podagg');

    bash.stdin.end('\n');
    assert.equal(await exited, 0, stderr);
  } finally {
    // Whatever is left of the session: bash -e stops at a failing line and leaves its jobs running.
    try {
      process.kill(-bash.pid!, 'SIGKILL');
    } catch {
      // The group is gone: the session stopped its jobs itself.
    }
    await exited;
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
});
