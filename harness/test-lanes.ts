// The suite in two lanes at once. The files that start a Solid server run one at a time:
// each loads the machine's two cores (agents here, the server in its thread) and times its
// runs on real clocks. Beside them, one core type-checks the project and then runs the pure
// files (protocol core, vocabulary, simulator, static checks), which need no server and no
// clock, also one at a time. A type error stops everything. The pure lane's report is
// printed after the server lane's, so neither is interleaved. Extra arguments (e.g.
// --test-reporter=tap) go to both `node --test` runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Outcome {
  code: number;
  output: string;
}

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = path.join(ROOT, 'test');
/**
 * An import of what starts pods, the dashboard or a browser: the server parts, or the fixtures
 * over them; or of another test file (a wrapper running a server suite on another server).
 */
const STARTS_SERVERS = /from '\.\.?\/(demo|solid-server|dashboard|dashboard-fixture|dashboard-browser)[/.]|^import '\.\/[\w-]+\.test\.ts';/m;

/** Starts a command; `buffered` keeps its output for later instead of printing it as it comes. */
function start(command: string, args: string[], buffered: boolean): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', buffered ? 'pipe' : 'inherit', buffered ? 'pipe' : 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString() }));
  });
  return { child, done };
}

const nodeTest = (files: string[], buffered: boolean) =>
  start(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], buffered);

const files = readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', f));
const withServers = files.filter((f) => STARTS_SERVERS.test(readFileSync(path.join(ROOT, f), 'utf8')));
const pure = files.filter((f) => !withServers.includes(f));

const servers = nodeTest(withServers, false);
const typecheck = await start(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], true).done;
if (typecheck.code !== 0) {
  servers.child.kill();
  await servers.done;
  process.stdout.write(`\n# the type check failed; the tests were stopped\n${typecheck.output}`);
  process.exit(1);
}
const pureOutcome = await nodeTest(pure, true).done;
const serverOutcome = await servers.done;
process.stdout.write(`\n# the ${pure.length} pure test files, run beside the ${withServers.length} with servers\n${pureOutcome.output}`);
const failed = [serverOutcome.code !== 0 && 'the files with servers', pureOutcome.code !== 0 && 'the pure files'].filter(Boolean);
process.stdout.write(`\n# type check passed; ${failed.length ? `failed: ${failed.join(', ')}` : 'every test file passed'}\n`);
process.exitCode = failed.length ? 1 : 0;
