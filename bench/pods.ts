// Foundation costs on the embedded Community Solid Server (in memory, one server): start-up,
// then for 10, 50 and 200 pods the account creation of startFleet and each agent's login +
// provisioning, per pod, median of 3 runs. `npm run bench -- pods` writes it to BENCHMARKS.md.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSolidServer } from '../solid-server/solid-server.ts';
import { startFleet } from '../solid-server/pods.ts';
import { login } from '../agent/solid/session.ts';
import { provision } from '../agent/solid/provision.ts';
import { freePorts } from '../harness/ports.ts';
import { median } from './median.ts';

const SIZES = [10, 50, 200];
const RUNS = 3;

interface Run {
  /** startFleet's wall time: server start and every account. */
  fleetMs: number;
  /** Per pod, between the first and the last account (so without the server start). */
  createMs: number;
  loginMs: number;
  provisionMs: number;
}

const log = (line: string) => process.stderr.write(`bench pods: ${line}\n`);

async function serverStartMs(): Promise<number> {
  const started = performance.now();
  const server = await startSolidServer({ port: await freePorts(1) });
  const ms = performance.now() - started;
  await server.stop();
  return ms;
}

async function fleetRun(pods: number): Promise<Run> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'podagg-bench-pods-'));
  const created: number[] = [];
  const started = performance.now();
  const fleet = await startFleet({ pods, port: await freePorts(1), onProgress: () => created.push(performance.now()) });
  const fleetMs = performance.now() - started;
  try {
    let loginMs = 0;
    let provisionMs = 0;
    for (const credential of fleet.credentials) {
      const t0 = performance.now();
      const session = await login(credential);
      const t1 = performance.now();
      await provision(session, credential, stateDir);
      const t2 = performance.now();
      await session.logout();
      loginMs += t1 - t0;
      provisionMs += t2 - t1;
    }
    return { fleetMs, createMs: (created[pods - 1] - created[0]) / (pods - 1), loginMs: loginMs / pods, provisionMs: provisionMs / pods };
  } finally {
    await fleet.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

export default async function benchPods(): Promise<string> {
  const load = os.loadavg()[0];
  const starts: number[] = [];
  for (let r = 0; r < RUNS; r++) starts.push(await serverStartMs());
  log(`server start ${starts.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  const rows: string[] = [];
  for (const pods of SIZES) {
    const runs: Run[] = [];
    for (let r = 0; r < RUNS; r++) {
      runs.push(await fleetRun(pods));
      log(`${pods} pods, run ${r + 1}: ${JSON.stringify(runs.at(-1), (_, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
    }
    const m = (key: keyof Run) => median(runs.map((run) => run[key]));
    const perPod = m('createMs') + m('loginMs') + m('provisionMs');
    rows.push(
      `| ${pods} | ${(m('fleetMs') / 1000).toFixed(1)} | ${m('createMs').toFixed(0)} | ${m('loginMs').toFixed(0)} | ${m('provisionMs').toFixed(0)} | ${perPod.toFixed(0)} | ${((pods * perPod) / 1000).toFixed(0)} |`,
    );
  }
  return [
    '## Pods: server start, account creation and provisioning',
    '',
    '`npm run bench -- pods` · one Community Solid Server 7.2 in process, in memory, on loopback; accounts created one after',
    'the other through the account API (`startFleet`), then each agent logs in with its client credentials and provisions its',
    `pod (keys, inbox, inbox ACL, profile) one after the other. Median of ${RUNS} runs, each on a fresh server. 1-minute load`,
    `average when the benchmark started: ${load.toFixed(1)} on ${os.cpus().length} cores (other work on the machine slows every figure).`,
    '',
    `Server start (empty, in memory): **${(median(starts) / 1000).toFixed(1)} s**.`,
    '',
    '| pods | fleet up (s) | create / pod (ms) | login / pod (ms) | provision / pod (ms) | create + login + provision / pod (ms) | all pods (s) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Fleet up is `startFleet` wall time (server start plus every account). Create / pod is measured between the first and the',
    'last account, so it excludes the server start; all pods = pods × the per-pod total.',
  ].join('\n');
}
