// End to end on one embedded server: publish → result over real pods and agents, against
// a plaintext baseline in the same run (every contributor evaluates the same selection
// and posts its plain values into an inbox-like container of the querier's; the querier
// reads them and sums).
// The agents are isolated (each its own peer cache and failure detector, as on machines
// of their own) and requests are counted at the server, by kind and by role.
// Sizes: PODAGG_BENCH_PODS=20,100,300 (default 20,100).

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DataFactory } from 'n3';
import { EX } from '../query-vocab/terms.ts';
import { TurtleDoc, num } from '../query-vocab/write.ts';
import { evaluateSelection } from '../agent/solid/evaluate.ts';
import { resolveScope } from '../agent/solid/data-scope.ts';
import { listInbox } from '../agent/solid/inbox.ts';
import { inParallel } from '../agent/solid/in-parallel.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { ensureContainer, getTurtle, postTurtle } from '../agent/solid/pod.ts';
import { POLICIES, ensureAccess } from '../agent/solid/access.ts';
import { documentOf, parsePlan, parseQuery } from '../query-vocab/index.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { requestFloor } from './floor.ts';
import { KINDS, perRole, total, type Counts, type Role } from './requests.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { freePorts } from '../harness/ports.ts';
import { median } from './median.ts';

/** Pods spread over this many embedded servers, agents over this many child processes (0: the bench's own). */
const SERVERS = Number(process.env.PODAGG_BENCH_SERVERS ?? 1);
const PROCESSES = Number(process.env.PODAGG_BENCH_PROCESSES ?? 0);
const QUERY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'harness', 'fixtures', 'count-all.ttl');
/** Repeats per size: large sizes run once (say so in the table). */
// At least two: the first query of a fleet pays what agents then cache (profiles, registrations, the policy).
const runsFor = (pods: number) => (pods <= 100 ? 3 : pods < 1000 ? 2 : 1);
/**
 * How long leaves may collect. They close as soon as their zone answered, so a long window
 * costs nothing when every member answers; but this machine hosts every agent on two cores,
 * and at 1000 pods the agents need about 450 s together to read the run and answer (about
 * two a second), which a real deployment, each agent on a device of its own, does not pay.
 */
const collectFor = (pods: number) => Math.max(120_000, pods * 600);

async function baseline(demo: Demo, queryUrl: string, sessions: Map<string, AgentSession>): Promise<number> {
  const query = parseQuery(await getTurtle(globalThis.fetch, queryUrl), queryUrl);
  const querier = demo.host.get(demo.querier.webId);
  // An inbox of its own: the querier's agent would read (and delete) what lands in its own.
  const inbox = new URL('baseline/', demo.querier.podUrl).href;
  await ensureContainer(querier.session.fetch, inbox);
  await ensureAccess(querier.session.fetch, inbox, POLICIES.inbox(demo.querier.webId));
  const before = new Set(await listInbox(querier.session.fetch, inbox));
  const contributors = demo.credentials.filter((c) => c.webId !== demo.querier.webId);
  const started = Date.now();
  await Promise.all(
    contributors.map(async (c) => {
      const session = sessions.get(c.webId)!;
      const scope = { dataScope: [new URL('data/', c.podUrl).href], dataClasses: [] };
      const resolved = await resolveScope(session.fetch, c.webId, scope);
      if ('missing' in resolved) throw new Error(`baseline: scope missing: ${resolved.missing}`);
      const rows = await evaluateSelection({
        fetch: session.fetch, selection: query.selection, aggregates: query.aggregates,
        ...scope, documents: resolved.documents, timeLimitMs: 60_000,
      });
      const me = DataFactory.namedNode('');
      const doc = new TurtleDoc().add(me, EX.amount, ...rows.map((r) => num(Number(r.amount))));
      await postTurtle(session.fetch, inbox, doc.toString());
    }),
  );
  let total = 0;
  const fresh = (await listInbox(querier.session.fetch, inbox)).filter((u) => !before.has(u));
  await Promise.all(
    fresh.map(async (u) => {
      for (const match of (await getTurtle(querier.session.fetch, u)).matchAll(/(-?\d+(?:\.\d+)?)/g)) total += Number(match[1]);
    }),
  );
  if (!Number.isFinite(total)) throw new Error('baseline sum failed');
  return Date.now() - started;
}

export default async function benchE2e(): Promise<string> {
  const sizes = (process.env.PODAGG_BENCH_PODS ?? '20,100').split(',').map(Number);
  const lines = [
    '| pods | runs | contributors | podagg publish → result, s | planner\'s estimate, s | plaintext baseline, s | ratio | bare request floor, s | ratio | requests per contributor, first query | last query | per aggregator | querier | peak RSS of the bench\'s process, MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const kinds: string[] = [];
  for (const pods of sizes) {
    process.stderr.write(`bench e2e: ${pods} pods\n`);
    const requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-requests-')), 'requests.jsonl');
    const demo = await startDemo({ pods, port: await freePorts(SERVERS), servers: SERVERS, processes: PROCESSES, refusing: 0, collectMs: collectFor(pods), requestLog, agents: { isolated: true } });
    // Sessions of the bench's own for the baseline and the floor (the agents may run in other processes).
    const sessions = new Map<string, AgentSession>();
    await inParallel(demo.credentials, 8, async (c) => void sessions.set(c.webId, await login(c)));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    try {
      const ours: number[] = [];
      const predicted: number[] = [];
      const floors: number[] = [];
      const plain: number[] = [];
      const requests: Array<Record<Role, { agents: number; counts: Counts }>> = [];
      let contributors = 0;
      let failure: string | undefined;
      for (let run = 0; run < runsFor(pods); run++) {
        const from = Date.now();
        const outcome = await demo.publish(QUERY, { strategy: 'SafeAndPrompt' });
        const to = Date.now();
        if (!outcome.exact || !outcome.published) {
          failure = `no exact result (${outcome.abort ?? `${outcome.published?.contributors} of ${outcome.plain.contributors} contributors`})`;
          break;
        }
        contributors = outcome.published.contributors;
        ours.push(outcome.seconds);
        predicted.push(outcome.predictedSeconds);
        const plan = parsePlan(await getTurtle(globalThis.fetch, documentOf(outcome.plan)), documentOf(outcome.plan));
        requests.push(perRole(readRequestLog(requestLog), from, to, plan, demo.querier.webId));
        plain.push((await baseline(demo, outcome.query, sessions)) / 1000);
        floors.push((await requestFloor(readRequestLog(requestLog).filter((r) => r.at >= from && r.at <= to), demo.credentials, sessions)).ms / 1000);
      }
      if (failure) {
        lines.push(`| ${pods} | ${runsFor(pods)} | — | ${failure} | | | | | | | | | | ${(peak / 2 ** 20).toFixed(0)} |`);
        continue;
      }
      const per = (role: Role, runs = requests) => median(runs.map((r) => total(r[role].counts))).toFixed(1);
      const [first, last] = [requests[0], requests[requests.length - 1]];
      lines.push(
        `| ${pods} | ${runsFor(pods)} | ${contributors} | ${median(ours).toFixed(1)} | ${median(predicted).toFixed(1)} | ${median(plain).toFixed(2)} | ${(median(ours) / median(plain)).toFixed(1)}× | ${median(floors).toFixed(2)} | ${(median(ours) / median(floors)).toFixed(1)}× | ${per('contributor', [first])} | ${per('contributor', [last])} | ${per('aggregator')} | ${per('querier')} | ${(peak / 2 ** 20).toFixed(0)} |`,
      );
      for (const role of ['contributor', 'aggregator', 'querier'] as const) {
        for (const [which, run] of [['first', first], ['last', last]] as const) {
          kinds.push(`| ${pods} | ${role} (${first[role].agents}) | ${which} | ${KINDS.map((k) => run[role].counts[k].toFixed(1)).join(' | ')} |`);
        }
      }
    } finally {
      clearInterval(sampler);
      await Promise.all([...sessions.values()].map((s) => s.logout()));
      await demo.stop();
    }
  }
  return [
    '## End to end over Solid',
    '',
    `\`PODAGG_BENCH_SERVERS=${SERVERS} PODAGG_BENCH_PROCESSES=${PROCESSES} npm run bench -- e2e\` (sizes: \`PODAGG_BENCH_PODS=20,100,300\`). ${SERVERS === 1 ? 'One embedded Community Solid Server' : `${SERVERS} embedded Community Solid Servers, pods spread over them,`} and ${PROCESSES ? `every agent but the querier's in ${PROCESSES} child process${PROCESSES > 1 ? 'es' : ''} (\`agent run --slice\`)` : 'every agent in one process'}, **isolated**: each agent has its own peer cache and failure detector, as on a machine of its own, and nothing else is shared but the CPU. k = 3, SafeAndPrompt, every pod consents and matches (query \`harness/fixtures/count-all.ttl\`), agents learn of messages through Solid notifications (streaming HTTP). Median of the runs shown (3 up to 100 pods, 2 up to 300, 1 at 1000); leaves collect for at most 120 s, or 0.6 s per pod above 200 pods (they close as soon as their whole zone answered; at 1000 pods the agents, all on this machine's two cores, need about 450 s to read the run and answer). podagg's time runs from writing the query and plan to the result document; the baseline's from the first evaluation to the querier's sum. **Requests are counted at the server**: every request it answered from publication to the result, attributed to the agent that made it, then averaged per agent of each role (an aggregator or backup that is also zoned counts as an aggregator). The first query of a fleet pays for what each agent then caches across queries (the profiles of the peers it writes to, registrations, its consent policy while the server streams its changes): requests per contributor are given for the first query of the fleet and for its last (the third up to 100 pods, the second up to 300), nearer the steady state of a long-lived agent. Even the last pays profile reads for the leaf members it had not yet met. The **bare request floor** is the run's logged requests made again by the same agents against the same server(s), up to 64 in flight, with no protocol in between (\`bench/floor.ts\`: a message is a POST, GET and DELETE round; notification streams and log-ins left out); **the planner's estimate** is the time \`query publish\` predicted for the run.`,
    '',
    ...lines,
    '',
    'Requests by kind, mean per agent of the role, in the first query of the fleet and in its last:',
    '',
    `| pods | role (agents) | query | ${KINDS.join(' | ')} |`,
    `|---:|---|---|${KINDS.map(() => '---:').join('|')}|`,
    ...kinds,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await benchE2e());
