// Usage errors of the podagg command: every command, given an unknown flag, a
// missing required flag or argument, or a bad flag value, exits 2 with one `podagg:` line,
// before touching any file or network (no server runs here). Runtime failures keep exit 1.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../cli/main.ts';
import { runCli } from './helpers/cli.ts';

// A credentials file that does not exist: reading it would be a runtime failure (exit 1),
// so a case exiting 2 with it was refused before any I/O.
const C = ['--credentials', 'no-such-credentials.json'];

const COMMANDS = [
  'demo', 'pods up', 'pods seed', 'login', 'agent init', 'agent rotate-keys', 'agent run', 'population create', 'population join',
  'consent set', 'consent show', 'query check', 'query publish', 'query status', 'train', 'sparql', 'simulate', 'serve',
];

const CASES: Array<[args: string[], message: RegExp]> = [
  [[], /^podagg: no command given \(see podagg --help\)$/],
  [['nosuch'], /^podagg: unknown command "nosuch" \(see podagg --help\)$/],
  [['agent', 'nosuch'], /^podagg: unknown command "agent nosuch"/],
  ...COMMANDS.map((c): [string[], RegExp] => [[...c.split(' '), '--bogus'], new RegExp(`^podagg: unknown option '--bogus' \\(see podagg ${c} --help\\)$`)]),
  // Missing flags and arguments.
  [['agent', 'init'], /^podagg: --credentials is required/],
  [['agent', 'init', ...C], /^podagg: give --webid or --all \(/],
  [['agent', 'run', ...C, '--webid', 'w', '--all'], /^podagg: give --webid or --all, not both/],
  [['agent', 'rotate-keys', ...C], /^podagg: --webid is required/],
  [['agent', 'run'], /^podagg: --credentials is required/],
  [['population', 'create'], /^podagg: URL, --credentials and --webid are required/],
  [['population', 'join', ...C, '--all'], /^podagg: URL is required/],
  [['population', 'create', 'u', 'extra', ...C, '--webid', 'w'], /^podagg: unexpected argument "extra"/],
  [['consent', 'set', ...C, '--all'], /^podagg: --purposes is required/],
  [['consent', 'show', '--all'], /^podagg: --credentials is required \(see podagg consent show --help\)$/],
  [['consent', 'show', ...C], /^podagg: give --webid or --all \(/],
  [['query', 'check'], /^podagg: FILE is required \(see podagg query check --help\)$/],
  [['query', 'publish', ...C, '--webid', 'w'], /^podagg: QUERY.ttl is required/],
  [['query', 'status'], /^podagg: QUERY_URL is required/],
  [['train', ...C, '--webid', 'w'], /^podagg: QUERY.ttl and --held-out are required \(see podagg train --help\)$/],
  [['train', 'q.ttl', '--held-out', 'h.rq', ...C, '--webid', 'w', '--rounds', '0'], /^podagg: --rounds must be an integer of at least 1, not "0"/],
  [['train', 'q.ttl', '--held-out', 'h.rq', ...C, '--webid', 'w', '--patience', 'x'], /^podagg: --patience must be an integer of at least 1/],
  [['train', 'q.ttl', '--held-out', 'h.rq', ...C, '--webid', 'w', 'extra'], /^podagg: unexpected argument "extra"/],
  [['sparql', 'SELECT * WHERE { ?s ?p ?o }'], /^podagg: --from is required/],
  [['pods', 'seed'], /^podagg: --credentials is required/],
  [['login', '--credentials', 'c.json'], /^podagg: --issuer is required/],
  [['login', '--issuer', 'nowhere'], /^podagg: --issuer must be a URL, not "nowhere"/],
  [['pods', 'up', '--kind', 'css'], /^podagg: --kind must be one of wac, acp, subdomains, nss, not css/],
  [['agent', 'run', ...C, '--webid', 'w', '--except', 'x'], /^podagg: --except goes with --all/],
  [['agent', 'run', ...C, '--webid', 'w', '--slice', '0/2'], /^podagg: --slice goes with --all/],
  [['demo', 'extra'], /^podagg: unexpected argument "extra"/],
  // Bad values, caught before any file is read or server started.
  [['demo', '--pods', '1'], /^podagg: --pods must be an integer of at least 2, not "1"/],
  [['demo', '--dashboard-port', 'x'], /^podagg: --dashboard-port must be an integer/],
  [['demo', '--queries', 'nosuch'], /^podagg: unknown example nosuch/],
  [['demo', '--training', 'naive-bayes,nosuch'], /^podagg: unknown training nosuch; trainings are naive-bayes, logistic, or none \(see podagg demo --help\)$/],
  [['demo', '--training-rounds', '0'], /^podagg: --training-rounds must be an integer of at least 1, not "0"/],
  [['pods', 'up', '--pods', 'x'], /^podagg: --pods must be an integer/],
  [['pods', 'seed', ...C, '--seed', 'x'], /^podagg: --seed must be an integer/],
  [['agent', 'rotate-keys', ...C, '--webid', 'w', '--grace-hours', 'x'], /^podagg: --grace-hours must be an integer/],
  [['agent', 'run', ...C, '--all', '--poll-ms', '0'], /^podagg: --poll-ms must be an integer/],
  [['agent', 'run', ...C, '--all', '--notifications', 'pigeon'], /^podagg: --notifications must be auto, streaming, websocket or polling, not "pigeon"/],
  [['agent', 'init', ...C, '--all=yes'], /^podagg: option '--all' does not take an argument/],
  [['consent', 'set', ...C, '--all', '--purposes', ','], /^podagg: --purposes needs at least one purpose/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--min-contributors', 'x'], /^podagg: --min-contributors must be an integer/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--queriers', 'nobody'], /^podagg: "nobody" is not a URL/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--budget', '0'], /^podagg: --budget must be a number above 0, not "0"/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--budget', '2', '--budget-days=-365'], /^podagg: --budget-days must be a number above 0, not "-365"/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--budget', '-2'], /^podagg: option '--budget' argument is ambiguous \(see podagg consent set --help\)$/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--budget', '2', '--budget-per', 'moon'], /^podagg: --budget-per must be querier or purpose, not "moon"/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--budget-days', '30'], /^podagg: --budget-days and --budget-per go with --budget/],
  [['consent', 'set', ...C, '--all', '--purposes', 'AcademicResearch', '--max-epsilon', 'lots'], /^podagg: --max-epsilon must be a number above 0, not "lots"/],
  [['query', 'check', '--now', 'x', 'q.ttl'], /^podagg: --now x is not a date-time/],
  [['query', 'check', '--now'], /^podagg: option '--now <value>' argument missing/],
  [['query', 'publish', 'q.ttl', ...C, '--webid', 'w', '--collect-ms', '5'], /^podagg: --collect-ms must be an integer of at least 100/],
  [['query', 'publish', 'q.ttl', ...C, '--webid', 'w', '--min-contributors', '0'], /^podagg: --min-contributors must be an integer of at least 1/],
  [['query', 'status', 'not-a-url'], /^podagg: "not-a-url" is not a URL/],
  [['simulate', '--group-size', 'x'], /^podagg: --group-size needs numbers, not "x"/],
  [['simulate', '--strategy', 'Nosuch'], /^podagg: unknown strategy "Nosuch"/],
  [['simulate', '--seeds', 'x'], /^podagg: --seeds must be an integer/],
  [['simulate', '--latency', 'soon'], /^podagg: --latency: bad latency "soon"/],
  [['serve', '--state', 'nowhere', '--port', 'x'], /^podagg: --port must be an integer/],
];

// Each case runs the command's own entry point in this process, as bin/podagg.js does
// (a child process per case would spend a second each starting up); the real command is
// run once below, for the exit code the shell sees.
describe('usage errors exit 2 with one podagg: line', () => {
  for (const [args, message] of CASES) {
    test(`podagg ${args.join(' ')}`, async () => {
      const result = await runMain(args);
      const lines = result.stderr.split('\n').filter((l) => l.trim());
      assert.equal(result.code, 2, `exit code ${result.code}\n${result.stderr}`);
      assert.equal(lines.length, 1, `not one line on stderr:\n${result.stderr}`);
      assert.match(lines[0], message);
      assert.equal(result.stdout, '');
    });
  }
});

test('the podagg command itself exits 2 on a usage error', async () => {
  const result = await runCli(['agent', 'init', ...C]);
  assert.equal(result.code, 2, `exit code ${result.code}, signal ${result.signal}\n${result.stderr}`);
  assert.match(result.stderr, /^podagg: give --webid or --all \(/);
});

/** main() with console output captured: what the command prints and the code it returns. */
async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => void err.push(parts.join(' '));
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('runtime failures keep their exit codes', { concurrency: true }, () => {
  test('a credentials file that cannot be read: exit 1', async () => {
    const result = await runCli(['agent', 'init', ...C, '--all']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^podagg: cannot read credentials file no-such-credentials\.json$/m);
  });

  test('query check of a file that cannot be read: exit 1', async () => {
    const result = await runCli(['query', 'check', 'no-such-query.ttl']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^cannot read no-such-query\.ttl: ENOENT$/m);
  });

  test('--help exits 0 even without the required flags', async () => {
    const result = await runCli(['agent', 'init', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^usage: podagg agent init/);
  });

  test('podagg train --help says how training runs, without the required flags', async () => {
    const result = await runCli(['train', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^usage: podagg train QUERY.ttl --held-out SELECT.rq/);
    assert.match(result.stdout, /pa:Evaluation/);
  });

  test('podagg train with a training query that cannot be read: exit 1', async () => {
    const result = await runCli(['train', 'no-such-query.ttl', '--held-out', 'h.rq', ...C, '--webid', 'w']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^podagg: cannot read query file no-such-query\.ttl$/m);
  });
});
