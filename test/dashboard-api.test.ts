// The dashboard's JSON API over a fixture run: runs and their tree, agents and their
// consent, simulations, the vocabulary, live events, 404s, and no key material anywhere.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard, type Dashboard } from '../dashboard/dashboard.ts';
import { JournalTail } from '../agent/solid/journal-tail.ts';
import { runId } from '../dashboard/run-state.ts';
import { ALICE_NAME, startFixture, type Fixture } from './dashboard-fixture.ts';
import { hostAndPath } from '../query-vocab/index.ts';

let fx: Fixture;
let dash: Dashboard;
/** Every body the API answered, scanned for secrets at the end. */
const bodies: string[] = [];

async function get(path: string, accept = 'application/json'): Promise<{ status: number; type: string; text: string; json: any }> {
  const response = await fetch(new URL(path, dash.url), { headers: { accept } });
  const text = await response.text();
  bodies.push(text);
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, json };
}

before(async () => {
  fx = await startFixture();
  dash = await startDashboard({ port: 0, stateDir: fx.stateDir, credentialsFile: fx.credentialsFile, simulationsDir: fx.simulationsDir });
  // The run's last journal line reaching the event stream means the dashboard has read it all.
  const read = streamed(/"kind":"result"/);
  await fx.playMeanRun(0);
  await read;
});

/** Resolves once the dashboard's event stream carries a line matching `pattern`. */
async function streamed(pattern: RegExp): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(new URL('/api/events', dash.url), { signal: controller.signal });
  const reader = response.body!.getReader();
  let text = '';
  return (async () => {
    while (!pattern.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
  })();
}

after(async () => {
  await dash?.stop();
  await fx?.stop();
});

test('the runs list shows both runs with their state and title', async () => {
  const { status, json } = await get('/api/runs');
  assert.equal(status, 200);
  const mean = json.runs.find((r: any) => r.query === fx.meanQuery);
  assert.equal(mean.state, 'done');
  assert.equal(mean.id, runId(fx.meanQuery));
  assert.equal(mean.title, 'Mean daily steps of people over 50');
  assert.ok(json.runs.some((r: any) => r.query === fx.histogramQuery && r.state === 'done'));
});

test('one run: the tree states, counts, timings and the result', async () => {
  const { status, json } = await get(`/api/runs/${runId(fx.meanQuery)}`);
  assert.equal(status, 200, JSON.stringify(json));
  assert.deepEqual(json.problems, []);
  const states = Object.fromEntries(json.tree.groups.flatMap((g: any) => g.members.map((m: any) => [`${g.id}#${m.position}`, m.state])));
  assert.deepEqual(states, { 'g#0': 'sent', 'g#1': 'sent', 'g.0#0': 'sent', 'g.0#1': 'replaced', 'g.1#0': 'sent', 'g.1#1': 'sent' });
  const zone = json.tree.groups.find((g: any) => g.id === 'g.0').contributors;
  assert.deepEqual(zone.map((c: any) => [c.webId, c.state]), [[fx.alice, 'sent'], [fx.bob, 'refused']]);
  assert.equal(json.tree.querier.state, 'done');
  assert.equal(json.counts.accepted, 3);
  assert.equal(json.counts.refused, 1);
  assert.equal(json.counts.failed, 1);
  assert.ok(json.timings.durationMs >= 0);
  assert.equal(json.result.values[0].value.value, 7421.5);
  assert.equal(json.result.contributors, 3);
});

test('the same run can be asked for by its query URL', async () => {
  const { status, json } = await get(`/api/runs/${encodeURIComponent(fx.meanQuery)}`);
  assert.equal(status, 200);
  assert.equal(json.id, runId(fx.meanQuery));
});

test('unknown runs, WebIDs, simulations and routes are 404 with a JSON error', async () => {
  for (const path of [
    '/api/runs/0000000000000000',
    `/api/agents/${encodeURIComponent('https://nobody.example/profile/card#me')}`,
    '/api/simulations/missing.csv',
    `/api/simulations/${encodeURIComponent('../state/events.jsonl')}`,
    '/api/nothing',
  ]) {
    const { status, type, json } = await get(path);
    assert.equal(status, 404, path);
    assert.match(type, /application\/json/, path);
    assert.equal(typeof json.error, 'string', path);
  }
});

test("an agent's page: its consent policy, its decision, its messages", async () => {
  const alice = (await get(`/api/agents/${encodeURIComponent(fx.alice)}`)).json;
  assert.deepEqual(alice.problems, []);
  assert.equal(alice.policy.maxQueriesPerDay, 5);
  assert.equal(alice.consentLog.length, 1);
  assert.equal(alice.consentLog[0].accepted, true);
  assert.ok(alice.messages.some((m: any) => m.kind === 'contributed'));
  const bob = (await get(`/api/agents/${encodeURIComponent(fx.bob)}`)).json;
  assert.equal(bob.consentLog[0].accepted, false);
  assert.match(bob.consentLog[0].reason, /not accepted/);
  // A WebID known only from the journal has no readable consent, and says why.
  const agg = (await get(`/api/agents/${encodeURIComponent('https://agg-1.example/profile/card#me')}`)).json;
  assert.equal(agg.consentLog.length, 0);
  assert.match(agg.problems[0], /no credentials/);
  const list = (await get('/api/agents')).json.agents;
  assert.ok(list.some((a: any) => a.webId === fx.alice && a.credentials));
});

test('agents are labelled by their profile name, else by host and path, never by a bare path segment', async () => {
  const { agents, labels } = (await get('/api/agents')).json;
  assert.equal(labels[fx.alice], ALICE_NAME);
  const bob = fx.credentials.find((c) => c.webId === fx.bob)!;
  // A profile without a name: its pod (the profile's storage), or its WebID document.
  assert.ok(labels[fx.bob].startsWith(hostAndPath(bob.podUrl)), labels[fx.bob]);
  for (const { webId } of agents) {
    assert.ok(labels[webId], `no label for ${webId}`);
    if (webId !== fx.alice) assert.ok(labels[webId].startsWith(new URL(webId).host), `${webId} is labelled ${labels[webId]}`);
  }
  // Every agent a run names has one, the peers whose profiles cannot be read included.
  const run = (await get(`/api/runs/${runId(fx.meanQuery)}`)).json;
  for (const g of run.tree.groups) for (const m of g.members) assert.ok(run.labels[m.webId]?.startsWith(new URL(m.webId).host), m.webId);
  assert.equal(run.labels[fx.alice], ALICE_NAME);
});

test('simulations: series per strategy against the failure rate', async () => {
  const files = (await get('/api/simulations')).json.files;
  assert.deepEqual(files.map((f: any) => f.name), ['sweep.csv']);
  const sim = (await get('/api/simulations/sweep.csv')).json;
  assert.deepEqual(sim.series.map((s: any) => s.strategy), ['LowCost', 'HighCompleteness', 'SafeAndPrompt']);
  assert.deepEqual(sim.series[0].points.map((p: any) => p.failureRate), [0, 0.005, 0.01]);
  assert.equal(sim.series[1].points[0].completeness, 1);
});

test('the vocabulary is negotiated: Turtle, JSON-LD, HTML', async () => {
  const turtle = await get('/podagg', 'text/turtle');
  assert.match(turtle.type, /text\/turtle/);
  assert.match(turtle.text, /owl:Ontology/);
  const jsonld = await get('/podagg', 'application/ld+json');
  assert.match(jsonld.type, /application\/ld\+json/);
  assert.ok(Array.isArray(jsonld.json['@graph']));
  const html = await get('/podagg', 'text/html,application/xhtml+xml,*/*;q=0.8');
  assert.match(html.type, /text\/html/);
  assert.match(html.text, /pa:AggregationQuery/);
  assert.match((await get('/podagg/shapes', '*/*')).type, /text\/turtle/);
});

test('new journal lines arrive as server-sent events', async () => {
  const controller = new AbortController();
  const response = await fetch(new URL('/api/events', dash.url), { signal: controller.signal });
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = response.body!.getReader();
  appendFileSync(join(fx.stateDir, 'events.jsonl'), JSON.stringify({ at: new Date().toISOString(), webId: fx.alice, query: fx.meanQuery, kind: 'log', text: 'hello', secret: fx.secrets[0] }) + '\n');
  let text = '';
  while (!text.includes('hello')) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  bodies.push(text);
  assert.match(text, /data: .*"kind":"log"/);
  assert.ok(!text.includes(fx.secrets[0]), 'a field outside the journal schema is not passed on');
});

test('no API answer holds a private key, a client secret or a share', async () => {
  for (const id of [runId(fx.meanQuery), runId(fx.histogramQuery)]) await get(`/api/runs/${id}`);
  for (const c of fx.credentials) await get(`/api/agents/${encodeURIComponent(c.webId)}`);
  await get('/api/agents');
  const all = bodies.join('\n');
  assert.ok(bodies.length > 15);
  for (const secret of fx.secrets) assert.ok(!all.includes(secret), `an answer contains the secret ${secret.slice(0, 6)}…`);
});

test('the journal tail waits for a line being written and survives a torn line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podagg-tail-'));
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, '{"at":"t","webId":"w","query":"q","kind":"log","text":"one"}\n{"at":"t","webId":"w","qu');
  const tail = new JournalTail(dir);
  await tail.poll();
  assert.equal(tail.events.length, 1);
  appendFileSync(file, 'ery":"q","kind":"log","text":"two"}\nnot json\n');
  await tail.poll();
  assert.deepEqual(tail.events.map((e) => e.text), ['one', 'two']);
});
