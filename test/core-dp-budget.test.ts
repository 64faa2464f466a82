// The owner's privacy budget in the consent rules: ε per querier (or purpose) per period by
// basic composition over the logged decisions, a per-query maximum, a policy requiring
// differential privacy, and a plan whose root positions would release twice; each refusal
// names its rule and the budget.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregationQuery, ConsentDecision, ConsentPolicy, PlanParams } from '../query-vocab/types.ts';
import { decideConsent } from '../agent/core/consent.ts';
import { spent } from '../agent/core/privacy-budget.ts';
import { buildPlan } from '../agent/core/sortition.ts';

const RESEARCH = 'urn:test:purpose:research';
const HEALTH = 'urn:test:purpose:health';
const policy: ConsentPolicy = {
  id: 'urn:test:policy', owner: 'urn:test:alice', purposes: [RESEARCH, HEALTH], queriers: [], anyQuerier: true, dataScope: ['urn:test:pod/'], dataClasses: [],
  minGroupSize: 2, minContributors: 2, maxQueriesPerDay: 100, privacyBudget: { epsilon: 2, periodDays: 365, per: 'querier' },
};
const query = (id: string, querier = 'urn:test:querier', epsilon = 1, purposes = [RESEARCH]): AggregationQuery => ({
  id, title: 't', querier, population: 'urn:test:population', selection: 'SELECT ?x WHERE { ?s ?p ?x }', aggregates: [{ id: `${id}#count`, kind: 'Count', unit: 'people' }],
  purposes, minContributors: 5, deadline: new Date(0).toISOString(), expectedSelectivity: 1, hideParticipation: true, validated: false,
  differentialPrivacy: { mechanism: 'DiscreteLaplace', epsilon, clampNegativeCounts: false },
});
const params = (strategy: PlanParams['strategy']): PlanParams => ({ depth: 1, fanout: 1, groupSize: 3, threshold: 3, strategy, backupRatio: 0.5, timeouts: { collectMs: 1, syncMs: 1, childMs: 1 } });
const plan = buildPlan({ id: 'urn:test:plan', query: 'urn:test:q', nonce: '00', population: Array.from({ length: 12 }, (_, i) => `urn:test:agent:${i}`), params: params('SafeAndPrompt') });
const now = Date.parse('2026-06-01T00:00:00Z');

/** Decides as an agent does, appending each decision with what it spent. */
function decide(history: ConsentDecision[], q: AggregationQuery, p: ConsentPolicy = policy, at = now) {
  const v = decideConsent(p, q, plan, history, at);
  history.push({ id: `urn:test:d${history.length}`, owner: p.owner, query: q.id, accepted: v.accepted, reason: v.reason, at: new Date(at).toISOString(), documents: [], querier: q.querier, purposes: q.purposes, ...(v.accepted ? v.spends : {}) });
  return v;
}

test('ε 2 per querier: two queries of ε 1 are accepted, the third is refused naming the budget; another querier is unaffected', () => {
  const history: ConsentDecision[] = [];
  const first = decide(history, query('urn:test:q1'));
  assert.equal(first.accepted, true, first.reason);
  assert.deepEqual(first.spends, { epsilon: 1 });
  assert.match(first.reason, /privacy budget \(ε 1 of the budget of 2 per querier per 365 days, 1 left for urn:test:querier\)/);
  assert.equal(decide(history, query('urn:test:q2')).accepted, true);
  const third = decide(history, query('urn:test:q3'));
  assert.equal(third.accepted, false);
  assert.equal(third.reason, "privacy budget rule: ε 1 more would bring urn:test:querier's spending to 3 of the budget of 2 per querier per 365 days (2 spent)");
  assert.equal(decide(history, query('urn:test:q4', 'urn:test:other-querier')).accepted, true);
  assert.deepEqual([...spent(policy.privacyBudget!, history, now)], [['urn:test:querier', 2], ['urn:test:other-querier', 1]]);
  // A query decided again (an agent restarted mid-evaluation) does not pay twice, then or later.
  assert.equal(decide(history, query('urn:test:q2')).accepted, true);
  assert.deepEqual([...spent(policy.privacyBudget!, history, now)], [['urn:test:querier', 2], ['urn:test:other-querier', 1]]);
  // A year and a day later the spend has left the window.
  assert.equal(decideConsent(policy, query('urn:test:q5'), plan, history, now + 366 * 86_400_000).accepted, true);
});

test('a budget per purpose is spent from each of the query\'s purposes', () => {
  const perPurpose: ConsentPolicy = { ...policy, privacyBudget: { epsilon: 1.5, periodDays: 30, per: 'purpose' } };
  const history: ConsentDecision[] = [];
  assert.equal(decide(history, query('urn:test:a', 'urn:test:querier', 1, [RESEARCH, HEALTH]), perPurpose).accepted, true);
  const again = decide(history, query('urn:test:b', 'urn:test:another', 1, [HEALTH]), perPurpose);
  assert.equal(again.accepted, false);
  assert.match(again.reason, new RegExp(`^privacy budget rule: ε 1 more would bring ${HEALTH}'s spending to 2 of the budget of 1.5 per purpose per 30 days`));
  assert.equal(decide(history, query('urn:test:c', 'urn:test:another', 0.5, [RESEARCH]), perPurpose).accepted, true);
});

test('the per-query maximum, a policy requiring differential privacy, and a plan that would release twice', () => {
  const strict: ConsentPolicy = { ...policy, maxEpsilonPerQuery: 0.5, requireDifferentialPrivacy: true };
  assert.equal(decideConsent(strict, query('urn:test:q', 'urn:test:querier', 0.8), plan, [], now).reason, "privacy budget rule: the query asks ε 0.8, above the policy's maximum of 0.5 per query");
  const exact = { ...query('urn:test:exact'), differentialPrivacy: undefined, hideParticipation: false };
  assert.equal(decideConsent(strict, exact, plan, [], now).reason, 'differential privacy rule: the query declares no differential privacy, and the policy requires it');
  assert.equal(decideConsent(policy, exact, plan, [], now).accepted, true, 'a policy that does not require it accepts an exact query');
  const staying = { ...plan, params: params('HighCompleteness') };
  const v = decideConsent(policy, query('urn:test:stay'), staying, [], now);
  assert.equal(v.accepted, false);
  assert.match(v.reason, /^differential privacy rule: strategy HighCompleteness lets a root position re-send corrected sums/);
});
