// Requests per contributor do not grow with the population. 60 pods on a real Community
// Solid Server, isolated agents (each its own peer cache and failure detector, and naming
// itself on every request), every request counted at the server as a deployment pays it.
// After a first query over everyone, one over a population of 20 members and one over all
// 60: a contributor makes the same number of requests (within 2) in both. What does grow
// is the querier's (it reads the population) and a leaf aggregator's (its zone's messages).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { documentOf, parsePlan } from '../query-vocab/index.ts';
import { createPopulation } from '../agent/solid/population.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { KINDS, perRole, total } from '../bench/requests.ts';
import { freePorts } from '../harness/ports.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';

const QUERY = path.join(import.meta.dirname, '..', 'harness', 'fixtures', 'count-all.ttl');
const PODS = 60;
const SMALL = 20;
const requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-scale-')), 'requests.jsonl');
let demo: Demo;
let small: string;

before(async () => {
  demo = await startDemo({ pods: PODS, port: await freePorts(), refusing: 0, collectMs: LONG_COLLECT_MS, requestLog, agents: { isolated: true } });
  const querier = demo.host.get(demo.querier.webId);
  small = new URL('podagg/population-small/', demo.querier.podUrl).href;
  await createPopulation(querier.session.fetch, small, demo.querier.webId);
  for (const c of demo.credentials.slice(0, SMALL)) {
    await demo.host.get(c.webId).agent.join(small);
  }
});
after(async () => demo?.stop());

/** One count-all query over a population; requests per contributor (all, and the profile reads among them), and by kind. */
async function perContributor(population?: string): Promise<{ contributors: number; mean: number; profiles: number; kinds: string }> {
  const from = Date.now();
  const o = await demo.publish(QUERY, { strategy: 'SafeAndPrompt', population });
  const to = Date.now();
  assert.ok(o.exact, `not exact: ${o.abort ?? JSON.stringify(o.published?.values)}`);
  const plan = parsePlan(await getTurtle(globalThis.fetch, documentOf(o.plan)), documentOf(o.plan));
  const { contributor } = perRole(readRequestLog(requestLog), from, to, plan, demo.querier.webId);
  const kinds = KINDS.filter((k) => contributor.counts[k] > 0).map((k) => `${k} ${contributor.counts[k].toFixed(1)}`).join(', ');
  return { contributors: contributor.agents, mean: total(contributor.counts), profiles: contributor.counts.profile, kinds };
}

test('a contributor makes as many requests (within 2) in a population of 20 as in one of 60, counted at the server', async (t) => {
  // A first query over everyone pays what each member pays once (its consent log's set-up,
  // its own registration's check): both measured queries are in the steady state.
  await perContributor();
  const twenty = await perContributor(small);
  const sixty = await perContributor();
  assert.ok(twenty.contributors >= SMALL / 2 && sixty.contributors >= (2 * PODS) / 3, `${twenty.contributors} and ${sixty.contributors} contributors`);
  const report = `20 members: ${twenty.mean.toFixed(1)} (${twenty.kinds}); 60 members: ${sixty.mean.toFixed(1)} (${sixty.kinds})`;
  t.diagnostic(report);
  // A contributor checks the profiles of the k leaf members it seals to (their backups only
  // once one fails) unless it met them before: a bound that does not depend on the
  // population, and how many hit the cache is chance. The rest is the same.
  const bound = 2 * 3;
  assert.ok(twenty.profiles <= bound && sixty.profiles <= bound, `profile reads beyond the leaf group's candidates: ${report}`);
  assert.ok(Math.abs(twenty.mean - twenty.profiles - (sixty.mean - sixty.profiles)) <= 2, report);
  assert.ok(twenty.mean > 5, `too few requests counted: ${report}`);
});
