// A dashboard fixture: real query, plan and result documents (serialised by query-vocab)
// on a small static server, real pods on an embedded Community Solid Server holding two
// owners' consent policies and decisions, a run journal written with the agents' own
// EventLog, a simulator CSV, and decoy key and share files the dashboard must never read.

import express from 'express';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCredentials, type Credential } from '../agent/solid/credentials.ts';
import { EventLog, type RunEvent } from '../agent/solid/events.ts';
import { keyFilePath } from '../agent/solid/keyfile.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { DataFactory } from 'n3';
import { patchN3, putTurtle } from '../agent/solid/pod.ts';
import { login } from '../agent/solid/session.ts';
import { simulate } from '../cli/simulate.ts';
import { DPV, FOAF, documentOf, n3Patch, loopbackUrl, parseQuery, serializeConsentDecision, serializeConsentPolicy, serializePlan, serializeQuery, serializeResult } from '../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, AggregationResult } from '../query-vocab/types.ts';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import { freePorts } from '../harness/ports.ts';

export interface Fixture {
  stateDir: string;
  credentialsFile: string;
  simulationsDir: string;
  credentials: Credential[];
  querier: string;
  /** Contributors with pods: alice joins, bob refuses. */
  alice: string;
  bob: string;
  /** The query document URLs of the mean (played step by step) and histogram runs. */
  meanQuery: string;
  histogramQuery: string;
  /** Strings that must never appear in an API answer. */
  secrets: string[];
  /** Appends the mean run's journal, `stepMs` apart, publishing the result at the end. */
  playMeanRun(stepMs: number): Promise<void>;
  stop(): Promise<void>;
}

const example = (name: string) => readFileSync(fileURLToPath(new URL(`../examples/queries/${name}.ttl`, import.meta.url)), 'utf8');
const NONCE = 'ab12cd34ef56ab78cd90ef12ab34cd56';
export const ALICE_NAME = 'Alice Example';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'podagg-dashboard-'));
  const stateDir = join(root, 'state');
  const simulationsDir = join(root, 'simulations');
  mkdirSync(simulationsDir, { recursive: true });
  const cssPort = await freePorts(1);
  const fleet: Fleet = await startFleet({ pods: 3, port: cssPort });
  const [q, a, b] = fleet.credentials;
  const credentialsFile = join(root, 'credentials.json');
  await writeCredentials(credentialsFile, fleet.credentials);

  // Public documents on a static server (published documents are world-readable).
  const docs = new Map<string, string>();
  const docsPort = await freePorts(1);
  const at = (path: string) => loopbackUrl(docsPort, path);
  const app = express();
  app.get('/{*path}', (req, res) => {
    const body = docs.get(req.path);
    if (body === undefined) res.status(404).send('not found');
    else res.type('text/turtle').send(body);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(docsPort, '127.0.0.1', () => resolve(s));
  });
  const publish = (url: string, turtle: string) => docs.set(new URL(url).pathname, turtle);

  const agg = (i: number) => `https://agg-${i}.example/profile/card#me`;
  const [A, B, C, D, E, F, X] = [1, 2, 3, 4, 5, 6, 7].map(agg);
  const carol = 'https://carol.example/profile/card#me';
  const dave = 'https://dave.example/profile/card#me';

  const meanQuery = at('/queries/mean-steps');
  const planUrl = at('/plans/mean-steps');
  const resultUrl = at('/results/mean-steps');
  const query: AggregationQuery = { ...parseQuery(example('mean-steps'), meanQuery), querier: q.webId, plan: planUrl, nonce: NONCE };
  const plan: AggregationPlan = {
    id: planUrl, query: meanQuery, nonce: NONCE,
    params: { depth: 2, fanout: 2, groupSize: 2, threshold: 2, strategy: 'HighCompleteness', backupRatio: 0.2, timeouts: { collectMs: 1000, syncMs: 500, childMs: 1000 } },
    groups: [
      { id: 'g', level: 0, parent: null, members: [A, B] },
      { id: 'g.0', level: 1, parent: 'g', members: [C, D] },
      { id: 'g.1', level: 1, parent: 'g', members: [E, F] },
    ],
    backups: [X],
    zones: { [a.webId]: 'g.0', [b.webId]: 'g.0', [carol]: 'g.1', [dave]: 'g.1' },
  };
  const result: AggregationResult = {
    id: `${resultUrl}#result`, query: meanQuery, plan: planUrl,
    values: [
      { aggregate: query.aggregates[0].id, kind: 'Mean', value: { kind: 'scalar', value: 7421.5 } },
      { aggregate: query.aggregates[1].id, kind: 'Count', value: { kind: 'scalar', value: 3 } },
    ],
    contributors: 3, completeness: 1, strategy: 'HighCompleteness',
    startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T10:00:04.000Z', generatedBy: q.webId,
  };
  publish(meanQuery, serializeQuery(query));
  publish(planUrl, serializePlan(plan));

  // A finished histogram run: grouped histograms, drawn as bars.
  const histogramQuery = at('/queries/spending');
  const histogramResult = at('/results/spending');
  const hq: AggregationQuery = { ...parseQuery(example('spending-histogram'), histogramQuery), querier: q.webId };
  const spec = hq.aggregates[0];
  if (spec.kind !== 'Histogram') throw new Error('the spending example starts with a histogram');
  const keys = spec.groupBy?.keys ?? [];
  publish(histogramQuery, serializeQuery(hq));
  publish(histogramResult, serializeResult({
    id: histogramResult, query: histogramQuery, plan: at('/plans/spending'),
    values: [{ aggregate: spec.id, kind: 'Histogram', value: { kind: 'grouped', keys, values: keys.map((_, k) => ({ kind: 'histogram', bins: spec.bins, counts: spec.bins.map((_, i) => (k + 1) * (i + 2)) })) } }],
    contributors: 60, completeness: 0.95, strategy: 'Hybrid',
    startedAt: '2026-01-01T09:00:00.000Z', endedAt: '2026-01-01T09:00:06.000Z', generatedBy: q.webId,
  }));

  // Owner-only consent resources, written with the owners' sessions.
  for (const [owner, accepted, reason] of [[a, true, 'the policy accepts this querier and purpose'], [b, false, 'purpose ResearchAndDevelopment is not accepted by the policy']] as const) {
    const session = await login(owner);
    // Alice's profile names her, bob's does not: the dashboard labels one by name, the other by pod.
    if (owner === a) await patchN3(session.fetch, documentOf(a.webId), n3Patch([], [DataFactory.quad(DataFactory.namedNode(a.webId), DataFactory.namedNode(FOAF.name), DataFactory.literal(ALICE_NAME))]));
    const layout = podLayout(owner.podUrl);
    await putTurtle(session.fetch, layout.consentPolicy, serializeConsentPolicy({
      id: layout.consentPolicy, owner: owner.webId, purposes: accepted ? [DPV.ResearchAndDevelopment, DPV.NonCommercialResearch] : [DPV.AcademicResearch],
      queriers: [], anyQuerier: true, dataScope: [new URL('data/', owner.podUrl).href], dataClasses: [], minGroupSize: 2, minContributors: 2, maxQueriesPerDay: 5,
    }));
    const decision = `${layout.consentLog}mean-steps`;
    await putTurtle(session.fetch, decision, serializeConsentDecision({ id: decision, owner: owner.webId, query: meanQuery, accepted, reason, at: '2026-01-01T10:00:01.000Z', documents: [] }));
    await session.logout();
  }

  // Decoys: a key file and a share file in the state folder.
  const secrets = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64'), 'UNSEALED-SHARE-' + randomBytes(8).toString('hex')];
  const keyFile = keyFilePath(stateDir, a.webId);
  mkdirSync(join(stateDir, 'keys'), { recursive: true });
  writeFileSync(keyFile, JSON.stringify({ webId: a.webId, x25519: { secretKey: secrets[0], publicKey: 'x' }, ed25519: { secretKey: secrets[1], publicKey: 'y' } }), { mode: 0o600 });
  mkdirSync(join(stateDir, 'runs'), { recursive: true });
  writeFileSync(join(stateDir, 'runs', 'mean-steps.json'), JSON.stringify({ share: secrets[2] }));
  secrets.push(...fleet.credentials.map((c) => c.clientSecret));

  const log = new EventLog(stateDir);
  const record = (e: Omit<RunEvent, 'at' | 'text'> & { text?: string }) => log.record({ text: e.kind, ...e });
  record({ webId: q.webId, query: histogramQuery, kind: 'published', plan: at('/plans/spending') });
  record({ webId: q.webId, query: histogramQuery, kind: 'result', result: histogramResult });

  await simulate(['--strategy', 'LowCost,HighCompleteness,SafeAndPrompt', '--depth', '2', '--fanout', '4', '--group-size', '3',
    '--vector-size', '8', '--failure-rate', '0,0.005,0.01', '--seeds', '2', '--out', join(simulationsDir, 'sweep.csv')]);

  async function playMeanRun(stepMs: number): Promise<void> {
    const m = meanQuery;
    const steps: Array<Array<Omit<RunEvent, 'at' | 'text'>>> = [
      [{ webId: q.webId, query: m, kind: 'announced', plan: planUrl }],
      [A, B, C, D, E, F, a.webId, b.webId, carol, dave].map((w) => ({ webId: w, query: m, kind: 'announced', plan: planUrl })),
      [
        { webId: a.webId, query: m, kind: 'consent', accepted: true, reason: 'the policy accepts this querier and purpose' },
        { webId: b.webId, query: m, kind: 'consent', accepted: false, reason: 'purpose ResearchAndDevelopment is not accepted by the policy' },
        { webId: carol, query: m, kind: 'consent', accepted: true },
        { webId: dave, query: m, kind: 'consent', accepted: true },
      ],
      [a.webId, carol, dave].flatMap((w) => [
        { webId: w, query: m, kind: 'sent', messageType: 'Contribution', peer: w === a.webId ? C : E, group: w === a.webId ? 'g.0' : 'g.1', position: 0 },
        { webId: w, query: m, kind: 'contributed' },
      ]),
      [
        { webId: C, query: m, kind: 'received', messageType: 'Contribution', peer: a.webId, group: 'g.0', position: 0 },
        { webId: E, query: m, kind: 'received', messageType: 'Contribution', peer: carol, group: 'g.1', position: 0 },
        { webId: F, query: m, kind: 'received', messageType: 'Contribution', peer: dave, group: 'g.1', position: 1 },
      ],
      [
        { webId: C, query: m, kind: 'sent', messageType: 'PartialAggregate', peer: A, group: 'g.0', position: 0 },
        { webId: C, query: m, kind: 'failed', peer: D, reason: 'inbox unreachable' },
        { webId: E, query: m, kind: 'sent', messageType: 'PartialAggregate', peer: A, group: 'g.1', position: 0 },
        { webId: F, query: m, kind: 'sent', messageType: 'PartialAggregate', peer: B, group: 'g.1', position: 1 },
      ],
      [
        { webId: X, query: m, kind: 'sent', messageType: 'PartialAggregate', peer: B, group: 'g.0', position: 1 },
        { webId: A, query: m, kind: 'received', messageType: 'PartialAggregate', peer: C, group: 'g.0', position: 0 },
        { webId: B, query: m, kind: 'received', messageType: 'PartialAggregate', peer: X, group: 'g.0', position: 1 },
      ],
      [
        { webId: A, query: m, kind: 'sent', messageType: 'PartialAggregate', peer: q.webId, group: 'g', position: 0 },
        { webId: B, query: m, kind: 'sent', messageType: 'PartialAggregate', peer: q.webId, group: 'g', position: 1 },
        { webId: q.webId, query: m, kind: 'received', messageType: 'PartialAggregate', peer: A, group: 'g', position: 0 },
      ],
    ];
    for (const step of steps) {
      for (const e of step) record(e);
      await sleep(stepMs);
    }
    publish(resultUrl, serializeResult(result));
    record({ webId: q.webId, query: m, kind: 'result', result: result.id });
  }

  return {
    stateDir, credentialsFile, simulationsDir, credentials: fleet.credentials,
    querier: q.webId, alice: a.webId, bob: b.webId, meanQuery, histogramQuery, secrets, playMeanRun,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fleet.stop();
    },
  };
}
