// Differential privacy in the vocabulary: a query's declaration (reusing DPV's
// dpv:DifferentialPrivacy), an owner's budget, the spend a consent decision records and
// the release a result records round-trip; bad input fails with one sentence naming the
// node and property: ε ≤ 0, a δ the mechanism does not take or lacks, a per-row aggregate
// without its per-person bound, participation shown, a budget with a negative period.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DPV, PA, loopbackUrl, parseConsentDecision, parseConsentPolicy, parseQuery, parseResult, serializeConsentDecision,
  serializeConsentPolicy, serializeQuery, serializeResult, type AggregationResult, type ConsentDecision, type ConsentPolicy,
} from '../query-vocab/index.ts';
import { vocabProblems } from './helpers/vocab-problems.ts';

const BASE = loopbackUrl(3000, '/alice/queries/q');
const DP = readFileSync(new URL('../examples/queries/dp-steps.ttl', import.meta.url), 'utf8');
const HISTOGRAM = readFileSync(new URL('../examples/queries/spending-histogram.ttl', import.meta.url), 'utf8');
const DECLARATION = `<${BASE}>/dpv:hasTechnicalMeasure`;

const problems = vocabProblems;
const queryProblems = (turtle: string) => problems(() => parseQuery(turtle, BASE));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const at = (node: string, property: string, sentence: string): RegExp => new RegExp(`^${esc(node)} ${esc(property)}: ${sentence}`);
const expectProblem = (found: string[], expected: RegExp) => assert.ok(found.some((p) => expected.test(p)), `expected ${expected}, got:\n${found.join('\n')}`);

test('a differentially private query parses, hides participation, and round-trips', () => {
  const q = parseQuery(DP, BASE);
  assert.deepEqual(q.differentialPrivacy, { mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: true });
  assert.equal(q.hideParticipation, true);
  assert.deepEqual(parseQuery(serializeQuery(q), BASE), q);
  const laplace = parseQuery(DP.replace('pa:DiscreteGaussian', 'pa:DiscreteLaplace').replace('pa:delta 1e-6 ;', '').replace('pa:clampNegativeCounts true', 'pa:epsilon 0.5').replace('pa:epsilon 1 ;', ''), BASE);
  assert.deepEqual(laplace.differentialPrivacy, { mechanism: 'DiscreteLaplace', epsilon: 0.5, clampNegativeCounts: false });
  assert.deepEqual(parseQuery(serializeQuery(laplace), BASE), laplace);
  // Other technical measures stay the querier's business.
  const tagged = parseQuery(DP.replace('dpv:hasTechnicalMeasure [', `dpv:hasTechnicalMeasure <${DPV.$}SecureMultiPartyComputation> , [`), BASE);
  assert.deepEqual(tagged.differentialPrivacy, q.differentialPrivacy);
});

const BROKEN: Array<{ name: string; turtle: string; expect: RegExp }> = [
  { name: 'ε of 0', turtle: DP.replace('pa:epsilon 1 ;', 'pa:epsilon 0 ;'), expect: at(DECLARATION, 'pa:epsilon', 'ε 0 must be above 0') },
  { name: 'a negative ε', turtle: DP.replace('pa:epsilon 1 ;', 'pa:epsilon -2 ;'), expect: at(DECLARATION, 'pa:epsilon', 'ε -2 must be above 0') },
  { name: 'no ε', turtle: DP.replace('pa:epsilon 1 ;', ''), expect: at(DECLARATION, 'pa:epsilon', 'a value is required but missing') },
  { name: 'δ of 1', turtle: DP.replace('pa:delta 1e-6', 'pa:delta 1'), expect: at(DECLARATION, 'pa:delta', 'δ 1 is not in \\(0, 1\\)') },
  { name: 'a Gaussian without δ', turtle: DP.replace('pa:delta 1e-6 ;', ''), expect: at(DECLARATION, 'pa:delta', 'the discrete Gaussian gives \\(ε, δ\\)-differential privacy: declare δ') },
  { name: 'a Laplace with δ', turtle: DP.replace('pa:DiscreteGaussian', 'pa:DiscreteLaplace'), expect: at(DECLARATION, 'pa:delta', 'the discrete Laplace gives pure ε-differential privacy: δ does not apply') },
  { name: 'an unknown mechanism', turtle: DP.replace('pa:DiscreteGaussian', 'pa:Coinflip'), expect: at(DECLARATION, 'pa:mechanism', 'value pa:Coinflip is not one of pa:DiscreteGaussian, pa:DiscreteLaplace') },
  { name: 'two declarations', turtle: DP.replace('dpv:hasTechnicalMeasure [', 'dpv:hasTechnicalMeasure [ a dpv:DifferentialPrivacy ; pa:mechanism pa:DiscreteLaplace ; pa:epsilon 2 ] , ['), expect: at(`<${BASE}>`, 'dpv:hasTechnicalMeasure', 'declares 2 dpv:DifferentialPrivacy nodes') },
  { name: 'participation shown', turtle: DP.replace('pa:expectedSelectivity 0.8 ;', 'pa:expectedSelectivity 0.8 ; pa:hideParticipation false ;'), expect: at(`<${BASE}>`, 'pa:hideParticipation', 'a differentially private query hides participation') },
  {
    name: 'a per-row aggregate without its per-person bound',
    turtle: HISTOGRAM.replace('pa:maxRows 2000 .', '.').replace(';\n  pa:unit pa:Rows ;', ';\n  pa:unit pa:Rows').replace('pa:expectedSelectivity 0.8 ;', 'pa:expectedSelectivity 0.8 ; dpv:hasTechnicalMeasure [ a dpv:DifferentialPrivacy ; pa:mechanism pa:DiscreteLaplace ; pa:epsilon 1 ] ;'),
    expect: at(`<${BASE}#amounts>`, 'pa:maxRows', 'a differentially private query bounds what one person adds: declare pa:maxRows'),
  },
];

for (const b of BROKEN) {
  test(`broken differentially private query: ${b.name}`, () => {
    assert.notEqual(b.turtle, DP);
    expectProblem(queryProblems(b.turtle), b.expect);
  });
}

const POLICY_URL = loopbackUrl(3000, '/alice/podagg/consent/policy');
const policy: ConsentPolicy = {
  id: POLICY_URL,
  owner: loopbackUrl(3000, '/alice/profile/card#me'),
  purposes: [DPV.ResearchAndDevelopment],
  queriers: [],
  anyQuerier: true,
  dataScope: [loopbackUrl(3000, '/alice/data/')],
  dataClasses: [],
  minGroupSize: 3,
  minContributors: 10,
  maxQueriesPerDay: 20,
  privacyBudget: { epsilon: 10, periodDays: 365, per: 'querier' },
  maxEpsilonPerQuery: 2,
  requireDifferentialPrivacy: true,
};

test('a policy with a privacy budget round-trips; a policy without one reads as before', () => {
  assert.deepEqual(parseConsentPolicy(serializeConsentPolicy(policy), POLICY_URL), policy);
  const perPurpose = { ...policy, privacyBudget: { epsilon: 0.5, periodDays: 30.5, per: 'purpose' as const }, requireDifferentialPrivacy: false };
  assert.deepEqual(parseConsentPolicy(serializeConsentPolicy(perPurpose), POLICY_URL), perPurpose);
  const { privacyBudget: _b, maxEpsilonPerQuery: _m, requireDifferentialPrivacy: _r, ...plain } = policy;
  assert.deepEqual(parseConsentPolicy(serializeConsentPolicy(plain), POLICY_URL), plain);
});

test('a budget with a negative period, a budget of ε 0 and a per-query maximum of 0 are refused, naming node and property', () => {
  const turtle = serializeConsentPolicy(policy);
  const budget = `<${POLICY_URL}>/pa:privacyBudget`;
  expectProblem(problems(() => parseConsentPolicy(turtle.replace(/pa:periodDays 365/, 'pa:periodDays -365'), POLICY_URL)), at(budget, 'pa:periodDays', "the budget's period of -365 days must be above 0"));
  expectProblem(problems(() => parseConsentPolicy(turtle.replace(/pa:epsilon 10/, 'pa:epsilon 0'), POLICY_URL)), at(budget, 'pa:epsilon', "a budget's ε 0 must be above 0"));
  expectProblem(problems(() => parseConsentPolicy(turtle.replace(/pa:maxEpsilonPerQuery 2/, 'pa:maxEpsilonPerQuery 0'), POLICY_URL)), at(`<${POLICY_URL}>`, 'pa:maxEpsilonPerQuery', 'the largest ε per query, 0, must be above 0'));
  expectProblem(problems(() => parseConsentPolicy(turtle.replace(/pa:budgetPer pa:PerQuerier/, 'pa:budgetPer pa:PerMoon'), POLICY_URL)), at(budget, 'pa:budgetPer', 'value pa:PerMoon is not one of pa:PerQuerier, pa:PerPurpose'));
});

test('a consent decision records the querier, purposes and the ε it spent', () => {
  const url = loopbackUrl(3000, '/alice/podagg/consent/log/1');
  const d: ConsentDecision = {
    id: url, owner: policy.owner, query: BASE, accepted: true, reason: 'accepted', at: '2026-01-01T00:00:00.000Z', documents: [],
    querier: loopbackUrl(3000, '/bob/profile/card#me'), purposes: [DPV.NonCommercialResearch, DPV.ResearchAndDevelopment], epsilon: 1, delta: 1e-6,
  };
  assert.deepEqual(parseConsentDecision(serializeConsentDecision(d), url), d);
});

test('a result records its release, each value its noise and its interval', () => {
  const url = loopbackUrl(3000, '/bob/podagg/results/r');
  const result: AggregationResult = {
    id: `${url}#result`, query: BASE, plan: `${BASE}-plan`, contributors: 12, completeness: 1, strategy: 'SafeAndPrompt',
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:01:00.000Z', generatedBy: loopbackUrl(3000, '/bob/profile/card#me'),
    privacy: { mechanism: 'DiscreteGaussian', epsilon: 1, delta: 1e-6, clampNegativeCounts: true, noiseTerms: 3, confidence: 0.95 },
    values: [
      {
        aggregate: `${BASE}#aggregate-1`, kind: 'Count', value: { kind: 'scalar', value: 14 },
        interval: { lower: { kind: 'scalar', value: 0 }, upper: { kind: 'scalar', value: 45 } },
        noise: [{ statistic: 'count', sensitivity: 1, scale: 9.06 }],
      },
      {
        aggregate: `${BASE}#aggregate-3`, kind: 'Histogram', value: { kind: 'histogram', bins: [{ lower: 0, upper: 5 }, { lower: 5, upper: 10 }], counts: [3, -2] },
        interval: { lower: { kind: 'histogram', bins: [{ lower: 0, upper: 5 }, { lower: 5, upper: 10 }], counts: [0, 0] }, upper: { kind: 'histogram', bins: [{ lower: 0, upper: 5 }, { lower: 5, upper: 10 }], counts: [30.5, 25] } },
        noise: [{ statistic: 'count', sensitivity: Math.SQRT2, scale: 12.8 }],
      },
      { aggregate: `${BASE}#aggregate-2`, kind: 'Mean', value: { kind: 'scalar', value: NaN }, interval: { lower: { kind: 'scalar', value: 0 }, upper: { kind: 'scalar', value: 20000 } }, noise: [{ statistic: 'sum', sensitivity: 20000, scale: 181000 }, { statistic: 'count', sensitivity: 1, scale: 9.06 }] },
    ],
  };
  const turtle = serializeResult(result);
  assert.match(turtle, /dpv:hasTechnicalMeasure/);
  assert.deepEqual(parseResult(turtle, url), result);
  const half = turtle.replace(/pa:intervalUpper[\s\S]*?pa:noise/, 'pa:noise');
  expectProblem(problems(() => parseResult(half, url)), /pa:intervalUpper: an interval needs both its bounds/);
  assert.ok(PA.noiseScale.endsWith('#noiseScale'));
});
