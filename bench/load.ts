// Load: many agents and several queries at once on one embedded server, with a tenth of
// the agents killed at random times while the queries run. Every query must end with a
// result or a clear failure report, the process holding the agents must not crash, and
// memory must stay bounded; each result is checked against the plaintext over exactly
// the contributors it includes (recovered from the agents' saved run states).
// Sizes: PODAGG_LOAD=PODSxQUERIES,… (default 300x10,100x3: the issue's size, and one this
// machine carries).

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parsePlan, parseQuery, documentOf } from '../query-vocab/index.ts';
import type { StrategyName } from '../query-vocab/types.ts';
import { topology } from '../agent/core/topology.ts';
import { includedOnDisk } from '../agent/solid/audit.ts';
import { parseEvents } from '../agent/solid/events.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { EXAMPLES, startDemo, type DemoOutcome } from '../demo/demo.ts';
import { plainAnswer } from '../demo/plain.ts';
import { freePorts } from '../harness/ports.ts';

const CYCLED_STRATEGIES: StrategyName[] = ['SafeAndPrompt', 'HighCompleteness', 'Hybrid', 'Threshold', 'LowCost'];
const KILLED = 0.1;
/** Kills fall uniformly in this window after the queries are published. */
const KILL_WINDOW_MS = 60_000;
const log = (line: string) => process.stderr.write(`bench load: ${line}\n`);
/** Pods spread over this many embedded servers, agents over this many processes (0: the bench's own). */
const SERVERS = Number(process.env.PODAGG_BENCH_SERVERS ?? 1);
const PROCESSES = Number(process.env.PODAGG_BENCH_PROCESSES ?? 0);
const setting = () =>
  `${SERVERS === 1 ? 'One embedded Community Solid Server (its own thread)' : `${SERVERS} embedded Community Solid Servers (each its own thread), pods spread over them`}` +
  (PROCESSES ? ` and every agent but the querier's in ${PROCESSES} child process${PROCESSES > 1 ? 'es' : ''} (\`agent run --slice\`)` : ' and every agent in one process') +
  ` (\`PODAGG_BENCH_SERVERS=${SERVERS} PODAGG_BENCH_PROCESSES=${PROCESSES}\`)`;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
/** The leaves' collect window: the queries share the servers, so ten at once need about ten times one's. */
const COLLECT_S = Number(process.env.PODAGG_LOAD_COLLECT_S ?? 90);

export default async function benchLoad(): Promise<string> {
  const sizes = (process.env.PODAGG_LOAD ?? '300x10,100x3').split(',').map((s) => s.split('x').map(Number));
  const sections: string[] = [];
  for (const [pods, queries] of sizes) sections.push(await loadRun(pods, queries));
  return ['## Load: many agents, several queries, a tenth killed', '', ...sections].join('\n');
}

async function loadRun(pods: number, queries: number): Promise<string> {
  const started = Date.now();
  const demo = await startDemo({
    pods, port: await freePorts(SERVERS), collectMs: COLLECT_S * 1000, servers: SERVERS, processes: PROCESSES,
    onProgress: (label, done, total) => done % 50 === 0 && log(`${label} ${done}/${total}`),
  });
  const setupS = (Date.now() - started) / 1000;
  let peak = 0;
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const now = process.memoryUsage().rss;
    peak = Math.max(peak, now);
    rss.push(now);
  }, 1000);
  try {
    const others = demo.credentials.filter((c) => c.webId !== demo.querier.webId);
    const victims = others.sort(() => Math.random() - 0.5).slice(0, Math.round(KILLED * pods));
    const kills = victims.map(
      (c) =>
        new Promise<void>((resolve) =>
          setTimeout(() => void demo.kill(c.webId).then(resolve, resolve), Math.random() * KILL_WINDOW_MS),
        ),
    );
    log(`${pods} pods ready in ${setupS.toFixed(0)} s; publishing ${queries} queries, killing ${victims.length} agents`);
    const runs = Array.from({ length: queries }, (_, i) => ({ example: EXAMPLES[i % EXAMPLES.length], strategy: CYCLED_STRATEGIES[i % CYCLED_STRATEGIES.length] }));
    const runStart = Date.now();
    const outcomes = await Promise.all(
      runs.map(({ example, strategy }) =>
        demo.publish(example, { strategy }).then((o) => (log(`${example} ${strategy}: ${o.published ? 'result' : o.abort} in ${o.seconds.toFixed(0)} s`), o)),
      ),
    );
    const runS = (Date.now() - runStart) / 1000;
    await Promise.all(kills);
    // What the agents got done, from the run journal every process appends to: explains a run that ended without a result.
    const counts = { joined: 0, consented: 0, contributed: 0, unreachable: 0, dead: 0 };
    for (const e of parseEvents(readFileSync(demo.host.journal.file, 'utf8'))) {
      if (Date.parse(e.at) < runStart) continue;
      if (e.kind === 'announced') counts.joined++;
      else if (e.kind === 'consent' && e.accepted) counts.consented++;
      else if (e.kind === 'contributed') counts.contributed++;
      else if (e.kind === 'failed') counts[/looks dead/.test(e.text) ? 'dead' : 'unreachable']++;
    }
    const lines = [
      '| query | strategy | outcome | contributors | completeness | exact over its contributors | publish → end, s |',
      '|---|---|---|---:|---:|---|---:|',
    ];
    for (const [i, o] of outcomes.entries()) lines.push(await row(demo.stateDir, demo.querier.webId, demo.people, runs[i], o));
    const settled = rss.slice(-10);
    return [
      `### ${pods} agents, ${queries} queries`,
      '',
      `\`PODAGG_LOAD=${pods}x${queries} npm run bench -- load\`. ${setting()}; ` +
        `${queries} queries published at once (the three examples in turn, the five strategies in turn, planner's shape, collect window ${COLLECT_S} s, \`PODAGG_LOAD_COLLECT_S\`); ` +
        `${victims.length} agents (${(100 * KILLED).toFixed(0)} %) killed at uniformly random times in the first ${KILL_WINDOW_MS / 1000} s and not restarted. ` +
        'Exactness is checked against the plaintext over the contributors the result includes, recovered from the agents\' saved run states. One run.',
      '',
      ...lines,
      '',
      `Set-up (server, ${pods} accounts, logins, provisioning, data, policies, registrations): ${setupS.toFixed(0)} s. ` +
        `All ${queries} queries ended in ${runS.toFixed(0)} s. Agents joined ${counts.joined} of ${queries * pods} (agent, query) runs, ` +
        `consented in ${counts.consented} and contributed in ${counts.contributed}; ${counts.unreachable} deliveries were given up after the retry budget ` +
        `and ${counts.dead} times a watched peer was taken for dead (the killed agents, and any that could not beat). The process holding the agents did not crash; ` +
        `peak RSS ${mb(peak)} MB, ${mb(settled.reduce((a, b) => a + b, 0) / Math.max(1, settled.length))} MB over the last 10 s of the run.`,
      '',
    ].join('\n');
  } finally {
    clearInterval(sampler);
    await demo.stop();
  }
}

async function row(
  stateDir: string,
  querier: string,
  people: Parameters<typeof plainAnswer>[2],
  run: { example: string; strategy: StrategyName },
  o: DemoOutcome,
): Promise<string> {
  const head = `| ${run.example} | ${run.strategy}`;
  if (!o.published) return `${head} | no result: ${o.abort} | | | | ${o.seconds.toFixed(0)} |`;
  const query = parseQuery(await getTurtle(globalThis.fetch, documentOf(o.query)), documentOf(o.query));
  const plan = parsePlan(await getTurtle(globalThis.fetch, documentOf(o.plan)), documentOf(o.plan));
  const included = includedOnDisk(stateDir, o.query, querier, topology(plan).root.id) ?? [];
  const plain = await plainAnswer(query, plan, people, new Set(included));
  const exact = included.length === o.published.contributors && JSON.stringify(plain.values.map((v) => v.value)) === JSON.stringify(o.published.values.map((v) => v.value));
  return `${head} | result | ${o.published.contributors} of ${o.plain.contributors} | ${(100 * o.published.completeness).toFixed(1)} % | ${exact ? 'yes' : '**no**'} | ${o.seconds.toFixed(0)} |`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await benchLoad());
