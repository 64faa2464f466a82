// Differential privacy over a real Community Solid Server with 20 pods and 20 real agents:
// a differentially private query's result holds the plain answer within each value's
// declared interval, and its result document says how it was released; an owner with a
// budget of ε 2 per querier joins two queries of ε 1, refuses the third with the budget's
// reason while another querier is unaffected, its pod's consent log and `consent show` say
// what was spent, and its agent restarted without its local mirror still refuses.
// The agents' randomness is seeded by their pod's path, and the first query's nonce chosen so
// that the same members hold its root positions whatever ports the WebIDs carry: its noise,
// and whether each 95 % interval holds, is then the same on every run.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { documentOf, parseResult } from '../query-vocab/index.ts';
import type { AggregateValue, AggregationPlan, AggregationQuery } from '../query-vocab/types.ts';
import { shortDigest } from '../agent/core/digest.ts';
import { seededRandom } from '../agent/core/random.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import { readConsentLog, writePolicy } from '../agent/solid/consent-store.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { publishQuery } from '../agent/solid/publish.ts';
import { demoPolicy, startDemo, waitForEnd, type Demo } from '../demo/demo.ts';
import { plainAnswer } from '../demo/plain.ts';
import { freePorts } from '../harness/ports.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { runCli } from './helpers/cli.ts';

const PODS = 20;
const DP = readFileSync(new URL('../examples/queries/dp-steps.ttl', import.meta.url), 'utf8');
let demo: Demo;

before(async () => {
  demo = await startDemo({ pods: PODS, port: await freePorts(), collectMs: LONG_COLLECT_MS, agents: { randomOf: (w) => seededRandom(`e2e-dp${new URL(w).pathname}`) } });
});
after(async () => demo?.stop());

let nonces = 0;
const ROOT_SIZE = 3;

/** A nonce whose plan puts these members at the root positions, in this order (members ranked by SHA-256 of nonce and WebID). */
function rootedAt(members: string[]): string {
  const population = demo.credentials.map((c) => c.webId);
  const params = { depth: 1, fanout: 1, groupSize: ROOT_SIZE, threshold: ROOT_SIZE, strategy: 'SafeAndPrompt' as const, backupRatio: 0, timeouts: { collectMs: 1, syncMs: 1, childMs: 1 } };
  for (let i = 0; ; i++) {
    const nonce = `${i.toString(16).padStart(16, '0')}${'e2e-dp'.split('').map((c) => c.charCodeAt(0).toString(16)).join('')}`;
    if (buildPlan({ id: 'urn:x', query: 'urn:x', nonce, population, params }).groups[0].members.every((w, p) => w === members[p])) return nonce;
  }
}

/** Publishes the example as `querier`, runs it, and returns its documents and end. */
async function run(querier: Credential, nonce = (++nonces).toString(16).padStart(32, '0')): Promise<{ query: AggregationQuery; plan: AggregationPlan; end: RunEvent }> {
  const { session, agent } = demo.host.get(querier.webId);
  const { query, plan } = await publishQuery({
    session, podUrl: querier.podUrl, turtle: DP, population: demo.population, peers: demo.host.peers,
    overrides: { minContributors: 3, nonce, fixedParams: { strategy: 'SafeAndPrompt', groupSize: ROOT_SIZE } },
    minTimeouts: { collectMs: LONG_COLLECT_MS },
  });
  const ended = waitForEnd(demo.host, querier.webId, query.id);
  await agent.startQuery(query.id, plan.id);
  return { query, plan, end: await ended };
}

/** Whether the plain value lies within the published interval, number by number. */
function within(plain: AggregateValue, lower: AggregateValue, upper: AggregateValue): boolean {
  if (plain.kind === 'scalar' && lower.kind === 'scalar' && upper.kind === 'scalar') return lower.value <= plain.value && plain.value <= upper.value;
  if (plain.kind === 'histogram' && lower.kind === 'histogram' && upper.kind === 'histogram') return plain.counts.every((c, i) => lower.counts[i] <= c && c <= upper.counts[i]);
  return false;
}

test('a differentially private query over 20 pods: the plain answer lies within each declared interval, and the result document says how it was released', async (t) => {
  const root = [5, 6, 7].map((i) => demo.credentials[i].webId);
  const { query, plan, end } = await run(demo.querier, rootedAt(root));
  assert.deepEqual(plan.groups[0].members, root);
  assert.equal(end.kind, 'result', end.reason);
  const url = documentOf(end.result!);
  const result = parseResult(await getTurtle(globalThis.fetch, url), url);
  assert.deepEqual(result.privacy, { mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: true, noiseTerms: plan.params.groupSize, confidence: 0.95 });
  assert.equal(result.strategy, 'SafeAndPrompt');
  const plain = await plainAnswer(query, plan, demo.people, new Set(Object.keys(plan.zones)));
  t.diagnostic(`published ${JSON.stringify(result.values.map((v) => v.value))}, plain ${JSON.stringify(plain.values.map((v) => v.value))}`);
  assert.ok(plain.contributors >= 3, `only ${plain.contributors} people match`);
  result.values.forEach((v, i) => {
    assert.ok(v.noise && v.noise.length > 0 && v.noise.every((n) => n.scale > 0 && n.sensitivity > 0), `${v.kind}: ${JSON.stringify(v.noise)}`);
    assert.ok(v.interval, `${v.kind} has no interval`);
    assert.ok(within(plain.values[i].value, v.interval.lower, v.interval.upper), `${v.kind}: plain ${JSON.stringify(plain.values[i].value)} outside ${JSON.stringify(v.interval)}`);
  });
  // Participation is hidden: every consenting member counts, matching or not.
  assert.ok(result.contributors > plain.contributors, `${result.contributors} contributors, ${plain.contributors} matching`);
});

test('a budget of ε 2 per querier: two queries of ε 1 joined, the third refused naming the budget, another querier unaffected, the spend in the pod, kept across a restart', async () => {
  const owner = demo.credentials[10]; // a member who accepts research (demoPolicy refuses the first fifth)
  // Queriers that have not asked yet: the first test's query already spent ε 1 of every consenting member's.
  const [querier, other] = [demo.credentials[PODS - 1], demo.credentials[PODS - 2]];
  const { session } = demo.host.get(owner.webId);
  await writePolicy(session.fetch, owner.podUrl, { ...demoPolicy(owner, 10, PODS, 0.2), privacyBudget: { epsilon: 2, periodDays: 365, per: 'querier' } });
  const decisions: RunEvent[] = [];
  const listener = (e: RunEvent) => void (e.kind === 'consent' && e.webId === owner.webId && decisions.push(e));
  demo.host.journal.on('event', listener);
  const decided = async (querier: Credential) => {
    const { query, end } = await run(querier);
    assert.equal(end.kind, 'result', end.reason);
    const e = decisions.find((d) => d.query === query.id);
    assert.ok(e, `${owner.webId} decided nothing on ${query.id}`);
    return e;
  };
  const budget = `the budget of 2 per querier per 365 days`;
  for (const n of [1, 2]) {
    const e = await decided(querier);
    assert.equal(e.accepted, true, e.reason);
    assert.match(e.reason ?? '', new RegExp(`privacy budget \\(ε 1 of ${budget}, ${2 - n} left for`));
  }
  const third = await decided(querier);
  assert.equal(third.accepted, false);
  assert.equal(third.reason, `privacy budget rule: ε 1 more would bring ${querier.webId}'s spending to 3 of ${budget} (2 spent)`);
  const elsewhere = await decided(other);
  assert.equal(elsewhere.accepted, true, elsewhere.reason);
  demo.host.journal.off('event', listener);

  const log = (await readConsentLog(session.fetch, owner.podUrl)).filter((d) => d.querier === querier.webId || d.querier === other.webId);
  assert.deepEqual(log.map((d) => [d.querier, d.accepted, d.epsilon, d.delta]), [
    [querier.webId, true, 1, 1e-6], [querier.webId, true, 1, 1e-6], [querier.webId, false, undefined, undefined], [other.webId, true, 1, 1e-6],
  ]);
  const shown = await runCli(['consent', 'show', '--credentials', demo.credentialsFile, '--webid', owner.webId]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^ {2}budget {9}ε 2 per querier over any 365 days$/m);
  assert.match(shown.stdout, new RegExp(`^  left {11}${querier.webId}: ε 0 of 2 \\(2 spent\\)$`, 'm'));
  assert.match(shown.stdout, new RegExp(`^  left {11}${other.webId}: ε 1 of 2 \\(1 spent\\)$`, 'm'));

  // Restarted with its local mirror gone, the agent reads the spend back from its pod.
  await demo.host.kill(owner.webId);
  rmSync(path.join(demo.stateDir, 'agents', shortDigest(owner.webId), 'consent-history.json'));
  await demo.host.add([owner]);
  const again: RunEvent[] = [];
  const relisten = (e: RunEvent) => void (e.kind === 'consent' && e.webId === owner.webId && again.push(e));
  demo.host.journal.on('event', relisten);
  const { query, end } = await run(querier);
  demo.host.journal.off('event', relisten);
  assert.equal(end.kind, 'result', end.reason);
  const after = again.find((d) => d.query === query.id);
  assert.equal(after?.accepted, false);
  assert.equal(after?.reason, third.reason);
});
