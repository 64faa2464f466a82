// Consent decisions name the rule that decided; the planner's proposals are valid plans
// that follow the situation (no failures: the cheapest strategy; failures: one that
// survives them) and explain themselves in one sentence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AggregationQuery, ConsentDecision, ConsentPolicy } from '../query-vocab/types.ts';
import { decideConsent } from '../agent/core/consent.ts';
import { proposePlan } from '../agent/core/planner.ts';
import { MAX_CLOCK_SKEW_MS } from '../agent/core/clock.ts';
import { SOLID_MIN_TIMEOUTS } from '../agent/solid/publish.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import { STRATEGIES } from '../agent/core/strategy.ts';

const PURPOSE = 'urn:test:purpose:research';
const policy: ConsentPolicy = {
  id: 'urn:test:policy',
  owner: 'urn:test:alice',
  purposes: [PURPOSE],
  queriers: ['urn:test:querier'],
  anyQuerier: false,
  dataScope: ['urn:test:pod/health/'],
  dataClasses: [],
  minGroupSize: 3,
  minContributors: 10,
  maxQueriesPerDay: 2,
};
const query: AggregationQuery = {
  id: 'urn:test:q1',
  title: 't',
  querier: 'urn:test:querier',
  population: 'urn:test:population',
  selection: 'SELECT ?x WHERE { ?s ?p ?x }',
  aggregates: [{ id: 'urn:test:count', kind: 'Count', unit: 'people' }],
  purposes: [PURPOSE],
  minContributors: 10,
  deadline: new Date(0).toISOString(),
  expectedSelectivity: 0.5,
  hideParticipation: false,
  validated: false,
};
const population = Array.from({ length: 20 }, (_, i) => `urn:test:agent:${i}`);
const params = { depth: 1, fanout: 1, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt' as const, backupRatio: 0, timeouts: { collectMs: 1, syncMs: 1, childMs: 1 } };
const plan = buildPlan({ id: 'urn:test:plan', query: query.id, nonce: '00', population, params });
const now = Date.parse('2025-01-02T00:00:00Z');
const accepted = (at: string, q = 'urn:test:other'): ConsentDecision => ({ id: `urn:test:d:${at}`, owner: policy.owner, query: q, accepted: true, reason: '', at, documents: [] });

test('consent accepts a query within every rule', () => {
  const v = decideConsent(policy, query, plan, [], now, ['urn:test:pod/health/steps.ttl']);
  assert.equal(v.accepted, true, v.reason);
});

test('consent refusals name their rule', () => {
  const cases: Array<[string, ReturnType<typeof decideConsent>]> = [
    ['querier rule', decideConsent(policy, { ...query, querier: 'urn:test:eve' }, plan, [], now)],
    ['purpose rule', decideConsent(policy, { ...query, purposes: ['urn:test:purpose:marketing'] }, plan, [], now)],
    ['data scope rule', decideConsent(policy, query, plan, [], now, ['urn:test:pod/private/diary.ttl'])],
    ['group size rule', decideConsent({ ...policy, minGroupSize: 4 }, query, plan, [], now)],
    ['minimum contributors rule', decideConsent(policy, { ...query, minContributors: 5 }, plan, [], now)],
    ['rate limit rule', decideConsent(policy, query, plan, [accepted('2025-01-01T12:00:00Z', 'a'), accepted('2025-01-01T18:00:00Z', 'b')], now)],
  ];
  for (const [rule, v] of cases) {
    assert.equal(v.accepted, false, rule);
    assert.ok(v.reason.startsWith(rule), `${rule}: ${v.reason}`);
  }
  // decisions older than a day do not count
  assert.equal(decideConsent(policy, query, plan, [accepted('2024-12-30T00:00:00Z', 'a'), accepted('2024-12-31T00:00:00Z', 'b')], now).accepted, true);
  assert.equal(decideConsent({ ...policy, anyQuerier: true, queriers: [] }, { ...query, querier: 'urn:test:eve' }, plan, [], now).accepted, true);
});

test('the planner proposes valid plans and explains them in one sentence', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 50, max: 2_000_000 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.double({ min: 1, max: 200, noNaN: true }),
      fc.double({ min: 0, max: 50, noNaN: true }),
      fc.constantFrom(1, 256, 1024, 16384),
      fc.double({ min: 0, max: 0.02, noNaN: true }),
      (population, selectivity, latencyMs, cryptoMs, vectorLength, failureRate) => {
        const { params: p, explanation, estimates } = proposePlan({ population, selectivity, latencyMs, cryptoMs, vectorLength, failureRate });
        assert.ok(p.depth >= 1 && p.fanout >= 1 && p.groupSize >= 3 && p.threshold <= p.groupSize);
        assert.ok(p.strategy in STRATEGIES);
        assert.equal(explanation.split(/\. /).length, 1, explanation);
        assert.ok(estimates.completeness >= 0 && estimates.completeness <= 1 && estimates.latencyMs > 0);
        if (population <= 5000) buildPlan({ id: 'p', query: 'q', nonce: '01', population: Array.from({ length: population }, (_, i) => `w${i}`), params: p });
      },
    ),
    { numRuns: 60 },
  );
});

test('the planner follows the situation', () => {
  const base = { population: 40_000, selectivity: 0.7, latencyMs: 33, cryptoMs: 10, vectorLength: 1024 };
  assert.equal(proposePlan({ ...base, failureRate: 0 }).params.strategy, 'LowCost');
  const risky = proposePlan({ ...base, failureRate: 0.0025 });
  assert.notEqual(risky.params.strategy, 'LowCost');
  assert.ok(risky.estimates.completeness >= 0.95);
  const fixed = proposePlan({ ...base, failureRate: 0.0025, fixed: { depth: 4, fanout: 8, groupSize: 5 } });
  assert.deepEqual([fixed.params.depth, fixed.params.fanout, fixed.params.groupSize], [4, 8, 5]);
});

test('over pod servers, the planner counts the requests of a run and the time the servers need for them', () => {
  const base = { population: 50, selectivity: 0.6, latencyMs: 20, cryptoMs: 2, vectorLength: 4, failureRate: 0, fixed: { strategy: 'SafeAndPrompt' as const, depth: 1, fanout: 1, groupSize: 3 } };
  const alone = proposePlan(base).estimates;
  const servers = { requestsPerSecond: 100, requestsPerMember: 8, requestsPerPeerCheck: 2 };
  const solid = proposePlan({ ...base, servers }).estimates;
  assert.equal(alone.requests, 0);
  // 3 answers from each member, the sync (3 × 2) and 3 sums to the querier (the one announcement is among a member's own requests).
  assert.equal(solid.messages, 150 + 6 + 3);
  // Each member also checks the k = 3 leaf members it seals to and the querier, and the querier checks it (k + 2 checks), at 2 reads a check.
  assert.equal(solid.requests, 50 * (8 + (3 + 2) * 2) + 3 * solid.messages);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1, `${a} ms, expected ${b}`); // each estimate is rounded
  near(solid.latencyMs - alone.latencyMs, (1000 * solid.requests) / 100);
  // Twice the throughput, half the servers' share of the time.
  const faster = proposePlan({ ...base, servers: { ...servers, requestsPerSecond: 200 } }).estimates;
  near(solid.latencyMs - faster.latencyMs, (1000 * solid.requests) / 200);
});

test('over Solid every wait outlasts the clock-skew bound, since deadlines count from the plan\'s start', () => {
  const t = SOLID_MIN_TIMEOUTS;
  assert.ok(t.collectMs > MAX_CLOCK_SKEW_MS, `collect ${t.collectMs} ms`);
  assert.ok(t.syncMs + t.childMs > MAX_CLOCK_SKEW_MS, `sync + child ${t.syncMs + t.childMs} ms`);
});
