// The planner's Solid calibration: what one request against the embedded Community Solid
// Server costs, alone and when many are in flight. Each round is what a message costs
// over Solid: its sender POSTs it into the recipient's inbox, the recipient GETs it and
// DELETEs it. Unloaded: rounds one after the other (the latency of one request).
// Saturated: 32 rounds in flight for a few seconds (the requests the server answers per
// second). `agent/solid/publish.ts` (SOLID_SERVER) takes its figures from this table.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { podLayout } from '../agent/solid/layout.ts';
import { deleteResource, getTurtle, postTurtle } from '../agent/solid/pod.ts';
import { provision } from '../agent/solid/provision.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { startFleet } from '../solid-server/pods.ts';
import { freePorts } from '../harness/ports.ts';
import { BODY } from './floor.ts';
import { median } from './median.ts';

const ROUNDS = 200;
const IN_FLIGHT = 32;
const SATURATED_MS = 6_000;
const RUNS = 3;

const log = (line: string) => process.stderr.write(`bench solid: ${line}\n`);

async function round(sender: AgentSession, recipient: AgentSession, inbox: string): Promise<void> {
  const url = await postTurtle(sender.fetch, inbox, BODY);
  await getTurtle(recipient.fetch, url);
  await deleteResource(recipient.fetch, url);
}

interface Measured {
  requestMs: number;
  requestsPerSecond: number;
}

async function measure(): Promise<Measured> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'podagg-bench-solid-'));
  const fleet = await startFleet({ pods: 2, port: await freePorts(1) });
  const sessions: AgentSession[] = [];
  try {
    for (const c of fleet.credentials) {
      const session = await login(c);
      sessions.push(session);
      await provision(session, c, stateDir);
    }
    const [sender, recipient] = sessions;
    const inbox = podLayout(fleet.credentials[1].podUrl).inbox;
    for (let i = 0; i < 20; i++) await round(sender, recipient, inbox); // warm-up
    const each: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      await round(sender, recipient, inbox);
      each.push((performance.now() - t) / 3);
    }
    let rounds = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() - started < SATURATED_MS) {
          await round(sender, recipient, inbox);
          rounds++;
        }
      }),
    );
    return { requestMs: median(each), requestsPerSecond: (3 * rounds) / ((performance.now() - started) / 1000) };
  } finally {
    await Promise.all(sessions.map((s) => s.logout()));
    await fleet.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

export default async function benchSolid(): Promise<string> {
  const load = os.loadavg()[0];
  const runs: Measured[] = [];
  for (let r = 0; r < RUNS; r++) {
    runs.push(await measure());
    log(`run ${r + 1}: ${runs[r].requestMs.toFixed(1)} ms per request, ${runs[r].requestsPerSecond.toFixed(0)} requests/s`);
  }
  const requestMs = median(runs.map((r) => r.requestMs));
  const requestsPerSecond = median(runs.map((r) => r.requestsPerSecond));
  return [
    '## Solid server: one request, and requests per second (the planner\'s calibration)',
    '',
    '`npm run bench -- solid` · one Community Solid Server 7.2 in process (its own thread), in memory, on loopback. A round is',
    'what a message costs over Solid: an authenticated POST into another pod\'s inbox, then its owner\'s GET and DELETE of it',
    `(about 1 KB). Unloaded: ${ROUNDS} rounds one after the other, the median time per request. Saturated: ${IN_FLIGHT} rounds in`,
    `flight for ${SATURATED_MS / 1000} s, requests answered per second. Median of ${RUNS} runs, each on a fresh server. 1-minute load`,
    `average when the benchmark started: ${load.toFixed(1)} on ${os.cpus().length} cores.`,
    '',
    '| one request, unloaded (ms) | requests per second, saturated | runs |',
    '|---:|---:|---:|',
    `| ${requestMs.toFixed(1)} | ${requestsPerSecond.toFixed(0)} | ${runs.map((r) => `${r.requestMs.toFixed(1)} ms, ${r.requestsPerSecond.toFixed(0)}/s`).join('; ')} |`,
    '',
    '`SOLID_SERVER` in `agent/solid/publish.ts` holds these two figures: the planner prices every request of a run with them',
    '(see the e2e section for its predictions beside the measured times).',
  ].join('\n');
}
