// The main job on the embedded default: pods with synthetic data, one agent per WebID,
// a population, consent policies (a share of owners refuse), and the example queries
// published and answered, each result checked against the plain answer; then the
// classifier of bank operations trained federatedly (training.ts), checked likewise.

import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseQuery, parseResult, documentOf } from '../query-vocab/index.ts';
import { DPV } from '../query-vocab/terms.ts';
import type { AggregationResult, ConsentPolicy, PlanParams, StrategyName } from '../query-vocab/types.ts';
import { writeCredentials, type Credential } from '../agent/solid/credentials.ts';
import { AgentHost, type HostOptions } from '../agent/solid/host.ts';
import { inParallel } from '../agent/solid/in-parallel.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { createPopulation } from '../agent/solid/population.ts';
import { writePolicy } from '../agent/solid/consent-store.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { publishQuery } from '../agent/solid/publish.ts';
import { waitForEnd } from '../agent/solid/run-end.ts';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import type { ServerKind } from '../solid-server/solid-server.ts';
import { startAgentProcesses, type AgentProcesses } from './agent-processes.ts';
import { DEFAULT_SEED } from './data.ts';
import { plainAnswer, type PlainAnswer, type PlainPerson } from './plain.ts';
import { seedPod } from './seed.ts';
import { runTraining, type TrainingChoice, type TrainingOutcome } from './training.ts';

export interface DemoOptions {
  pods: number;
  port?: number;
  servers?: number;
  /** Which CSS preset the servers run; an ACP server keeps its pods on disk (in the state folder unless `dataDir`). */
  kind?: ServerKind;
  dataDir?: string;
  stateDir?: string;
  seed?: number;
  /** Share of owners whose policy refuses research purposes. */
  refusing?: number;
  /** How long leaves wait for their zone. */
  collectMs?: number;
  /** The server's URL for clients, when a proxy stands in front of it (fault tests). */
  baseUrl?: string;
  /** Agent settings the fault tests and benchmarks change: retries, evaluation limit, presence timing, skewed clocks, isolation. */
  agents?: Pick<HostOptions, 'retry' | 'evaluationLimitMs' | 'presence' | 'schedulerOf' | 'randomOf' | 'prio3Of' | 'isolated'>;
  /** Every server logs the requests it answers to this file. */
  requestLog?: string;
  /**
   * Runs every agent but the querier's in this many child processes (`agent run --slice`),
   * once the pods are set up; absent or 0: every agent in this process.
   */
  processes?: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface DemoOutcome {
  name: string;
  title: string;
  query: string;
  plan: string;
  explanation: string;
  result?: string;
  published?: AggregationResult;
  abort?: string;
  plain: PlainAnswer;
  /** The result's values and contributor count equal the plain answer's. */
  exact: boolean;
  seconds: number;
  /** What the planner expected. */
  predictedSeconds: number;
}

export interface Demo {
  fleet: Fleet;
  host: AgentHost;
  stateDir: string;
  credentialsFile: string;
  credentials: Credential[];
  querier: Credential;
  population: string;
  /** Each person's documents and policy, for plain answers. */
  people: PlainPerson[];
  /** Publishes an example by name, or a query file by path, and waits for its end. */
  publish(name: string, options?: PublishChoice): Promise<DemoOutcome>;
  /** Trains one of the demo's classifiers (training.ts's TRAININGS) and checks it against central training. */
  train(name: string, options?: TrainingChoice): Promise<TrainingOutcome>;
  /** Stops one agent abruptly, wherever it runs. */
  kill(webId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PublishChoice {
  strategy?: StrategyName;
  collectMs?: number;
  /** Plan parameters to fix, e.g. a deeper tree than the planner would pick. */
  params?: Partial<PlanParams>;
  /** Another population than the demo's (a directory container its members joined). */
  population?: string;
  /** Members that consent but match nothing contribute zeros, hiding who matched. */
  hideParticipation?: boolean;
}

export { waitForEnd };
export { TRAININGS, type TrainingOutcome } from './training.ts';

export const EXAMPLES = ['mean-steps', 'spending-histogram', 'fl-vectorsum'];
/** Examples the demo runs when asked (`--queries`), not by default. */
export const MORE_EXAMPLES = ['validated-steps'];
const QUERIES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'queries');
const RESEARCH = [DPV.ResearchAndDevelopment, DPV.NonCommercialResearch, DPV.AcademicResearch];

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const seed = o.seed ?? DEFAULT_SEED;
  const stateDir = o.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'podagg-demo-'));
  const dataDir = o.dataDir ?? (o.kind === 'acp' ? path.join(stateDir, 'pods') : undefined);
  const fleet = await startFleet({ pods: o.pods, port: o.port ?? 3000, servers: o.servers, kind: o.kind, dataDir, baseUrl: o.baseUrl, requestLog: o.requestLog, onProgress: (d, t) => o.onProgress?.('pods', d, t) });
  const host = new AgentHost({ stateDir, ...o.agents });
  let processes: AgentProcesses | undefined;
  try {
    const credentialsFile = path.join(stateDir, 'credentials.json');
    await writeCredentials(credentialsFile, fleet.credentials);
    await host.add(fleet.credentials);
    const querier = fleet.credentials[0];
    const population = new URL('podagg/population/', querier.podUrl).href;
    await createPopulation(host.get(querier.webId).session.fetch, population, querier.webId);
    const people: PlainPerson[] = [];
    let done = 0;
    await inParallel(fleet.credentials, 4, async (c, i) => {
      const { session, agent } = host.get(c.webId);
      const documents = await seedPod(session.fetch, c.podUrl, seed, i);
      const policy = demoPolicy(c, i, o.pods, o.refusing ?? 0.2);
      await writePolicy(session.fetch, c.podUrl, policy);
      await agent.join(population);
      people[i] = { base: c.podUrl, documents, policy };
      o.onProgress?.('data, policies and registrations', ++done, fleet.credentials.length);
    });
    if (o.processes) processes = await moveToProcesses(host, fleet.credentials.filter((c) => c !== querier), stateDir, o.processes, o.agents?.isolated === true);
    const publish = (name: string, choice: PublishChoice = {}) =>
      runExample(host, querier, population, people, name, { collectMs: o.collectMs, ...choice });
    const train = (name: string, choice: TrainingChoice = {}) => runTraining(host, querier, population, people, name, { collectMs: o.collectMs, ...choice });
    return {
      fleet, host, stateDir, credentialsFile, credentials: fleet.credentials, querier, population, people, publish, train,
      kill: (webId) => (processes ? processes.kill(webId) : host.kill(webId)),
      stop: async () => {
        await processes?.stop();
        await host.stop();
        await fleet.stop();
      },
    };
  } catch (error) {
    await processes?.stop();
    await host.stop();
    await fleet.stop();
    throw error;
  }
}

/** Stops these agents here (their state stays) and runs them again in child processes. */
async function moveToProcesses(host: AgentHost, moved: Credential[], stateDir: string, processes: number, isolated: boolean): Promise<AgentProcesses> {
  await Promise.all(moved.map((c) => host.kill(c.webId)));
  const credentialsFile = path.join(stateDir, 'moved-credentials.json');
  await writeCredentials(credentialsFile, moved);
  return startAgentProcesses({ credentialsFile, stateDir, processes, isolated });
}

/** Every owner accepts research by anyone on their data/ folder, but the first `refusing` share. */
export function demoPolicy(c: Credential, index: number, total: number, refusing: number): ConsentPolicy {
  const refuses = index > 0 && index <= Math.round(refusing * total);
  return {
    id: podLayout(c.podUrl).consentPolicy,
    owner: c.webId,
    purposes: refuses ? [DPV.ServiceOptimisation] : RESEARCH,
    queriers: [],
    anyQuerier: true,
    dataScope: [new URL('data/', c.podUrl).href],
    dataClasses: [],
    minGroupSize: 2,
    minContributors: 2,
    maxQueriesPerDay: 100,
  };
}

async function runExample(host: AgentHost, querier: Credential, population: string, people: PlainPerson[], name: string, choice: PublishChoice): Promise<DemoOutcome> {
  const started = Date.now();
  const file = name.endsWith('.ttl') ? name : path.join(QUERIES, `${name}.ttl`);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`no example query "${name}"; examples are ${[...EXAMPLES, ...MORE_EXAMPLES].join(', ')}`);
  });
  // The examples are written for large populations: the demo lowers minContributors to fit its own.
  const declared = parseQuery(text, querier.podUrl);
  const { session, agent } = host.get(querier.webId);
  const published = await publishQuery({
    session, podUrl: querier.podUrl, turtle: text, population: choice.population ?? population, peers: host.peers,
    overrides: {
      minContributors: Math.min(declared.minContributors, 3),
      ...(choice.hideParticipation ? { hideParticipation: true } : {}),
      fixedParams: choice.strategy || choice.params ? { ...declared.fixedParams, ...choice.params, ...(choice.strategy ? { strategy: choice.strategy } : {}) } : declared.fixedParams,
    },
    minTimeouts: choice.collectMs ? { collectMs: choice.collectMs } : undefined,
  });
  const { query, plan } = published;
  const ended = waitForEnd(host, querier.webId, query.id);
  await agent.startQuery(query.id, plan.id);
  const end = await ended;
  const plain = await plainAnswer(query, plan, people, new Set(Object.keys(plan.zones)));
  const outcome: DemoOutcome = {
    name, title: query.title, query: query.id, plan: plan.id, explanation: published.explanation, plain,
    exact: false, seconds: (Date.now() - started) / 1000, predictedSeconds: published.estimates.latencyMs / 1000,
  };
  if (end.kind === 'abort') return { ...outcome, abort: end.reason };
  const url = documentOf(end.result!);
  const result = parseResult(await getTurtle(session.fetch, url), url);
  const exact = result.contributors === plain.contributors && JSON.stringify(result.values.map((v) => v.value)) === JSON.stringify(plain.values.map((v) => v.value));
  return { ...outcome, result: end.result, published: result, exact };
}
