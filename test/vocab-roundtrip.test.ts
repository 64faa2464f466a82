// serialize → parse gives back an equal object, for every document type, on random documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseConsentDecision, parseConsentPolicy, parseKeySheet, parseMessage, parsePlan, parseQuery, parseRegistration, parseResult,
  serializeConsentDecision, serializeConsentPolicy, serializeKeySheet, serializeMessage, serializePlan, serializeQuery,
  serializeRegistration, serializeResult, DPV, PA, AGGREGATE_KINDS, STRATEGY_NAMES, documentOf, loopbackUrl, valueVariables,
  type AggregateSpec, type AggregateValue, type CountSpec, type AggregationPlan, type AggregationQuery, type AggregationResult,
  type Bin, type ConsentDecision, type ConsentPolicy, type KeySheet, type Message, type PlanParams, type Registration,
} from '../query-vocab/index.ts';

const RUNS = { numRuns: 60 };
const BASE = loopbackUrl(3000, '/inbox/msg-1');

// ---- arbitraries --------------------------------------------------------------------------

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
const iri = fc.tuple(segment, fc.array(segment, { maxLength: 3 }), fc.option(segment, { nil: undefined }))
  .map(([host, path, frag]) => `https://${host}.example/${path.join('/')}${frag ? `#${frag}` : ''}`);
const webId = segment.map((name) => `https://${name}.example/profile/card#me`);
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const dateTime = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString());
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
const sortedUnique = <T>(a: fc.Arbitrary<T[]>) => a.map((xs) => [...new Set(xs)].sort());
const bytes = fc.uint8Array({ maxLength: 300 });
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const variableName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,8}$/);
const nat = fc.nat({ max: 1_000_000 });

/** Sorted, non-overlapping bins from sorted cut points. */
const bins: fc.Arbitrary<Bin[]> = fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 8 })
  .map((cuts) => cuts.sort((a, b) => a - b))
  .map((cuts) => cuts.slice(1).map((upper, i) => ({ lower: cuts[i], upper })));

const aggregate = (id: string): fc.Arbitrary<AggregateSpec> =>
  fc.record({
    kind: fc.constantFrom(...AGGREGATE_KINDS),
    variable: variableName,
    variables: fc.array(variableName, { minLength: 1, maxLength: 5 }),
    bounds: fc.tuple(finite, finite).filter(([a, b]) => a !== b).map(([a, b]) => (a < b ? [a, b] : [b, a])),
    precision: fc.integer({ min: 0, max: 12 }),
    bins,
    groupBy: fc.option(fc.record({ variable: variableName, keys: fc.uniqueArray(text, { minLength: 1, maxLength: 4 }) }), { nil: undefined }),
    unit: fc.constantFrom('rows' as const, 'people' as const),
    maxRows: fc.integer({ min: 1, max: 100_000 }),
  }).map((r) => {
    const base: Omit<CountSpec, 'kind'> = { id, unit: r.unit };
    if (r.groupBy) base.groupBy = r.groupBy;
    if (r.unit === 'rows') base.maxRows = r.maxRows;
    const [lower, upper] = r.bounds;
    const bounded = { lower, upper, precision: r.precision };
    switch (r.kind) {
      case 'Count':
        return { ...base, kind: r.kind };
      case 'Sum':
      case 'Mean':
      case 'Variance':
      case 'SampleVariance':
        return { ...base, kind: r.kind, variable: r.variable, ...bounded };
      case 'Histogram':
        return { ...base, kind: r.kind, variable: r.variable, bins: r.bins };
      case 'VectorSum':
        return { ...base, kind: r.kind, variables: r.variables, ...bounded };
      case 'Training':
      case 'Evaluation': {
        // Computed kinds count rows and are never grouped.
        const classes = [...new Set([r.variable, `${r.variable}_2`])];
        const trainer = r.precision % 2 === 0
          ? { kind: 'NaiveBayes' as const, label: r.variable, classes, input: { kind: 'tokens' as const, variable: `${r.variable}_text`, vocabulary: r.variables.map((v, i) => `${v}${i}`) } }
          : { kind: 'LogisticRegression' as const, label: r.variable, classes, input: { kind: 'features' as const, variables: [...new Set(r.variables)] }, epochs: 1 + (r.maxRows % 5), learningRate: 0.5, batchSize: 8, ...bounded };
        const computed = { id, unit: 'rows' as const, maxRows: r.maxRows, trainer };
        if (r.kind === 'Evaluation') return { ...computed, kind: r.kind, model: `${id}-model` };
        return trainer.kind === 'NaiveBayes' ? { ...computed, kind: r.kind } : { ...computed, kind: r.kind, model: `${id}-model` };
      }
    }
  });

const params: fc.Arbitrary<PlanParams> = fc.record({
  depth: fc.integer({ min: 1, max: 6 }),
  fanout: fc.integer({ min: 1, max: 16 }),
  groupSize: fc.integer({ min: 1, max: 9 }),
  threshold: fc.integer({ min: 1, max: 9 }),
  strategy: fc.constantFrom(...STRATEGY_NAMES),
  backupRatio: fc.double({ min: 0, max: 2, noNaN: true }),
  timeouts: fc.record({ collectMs: nat, syncMs: nat, childMs: nat }),
}).map((p) => ({ ...p, threshold: Math.min(p.threshold, p.groupSize) }));

const query: fc.Arbitrary<AggregationQuery> = fc.record({
  id: iri.map(documentOf),
  title: text.filter((t) => t.length > 0),
  querier: webId,
  population: iri,
  n: fc.integer({ min: 1, max: 4 }),
  purposes: sortedUnique(fc.array(fc.constantFrom(DPV.ResearchAndDevelopment, DPV.AcademicResearch, DPV.ServiceOptimisation), { minLength: 1 })),
  minContributors: fc.integer({ min: 1, max: 10_000 }),
  deadline: dateTime,
  expectedSelectivity: fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
  hideParticipation: fc.boolean(),
  validated: fc.boolean(),
  plan: fc.option(iri, { nil: undefined }),
  nonce: fc.option(fc.stringMatching(/^[0-9a-f]{16,64}$/), { nil: undefined }),
  fixedParams: fc.option(params.chain((p) => fc.subarray(Object.keys(p) as Array<keyof PlanParams>).map((keys) => Object.fromEntries(keys.map((k) => [k, p[k]])) as Partial<PlanParams>)), { nil: undefined }),
}).chain((r) =>
  fc.tuple(...Array.from({ length: r.n }, (_, i) => aggregate(`${r.id}#agg-${i}`))).map((aggregates) => {
    const variables = [...new Set(aggregates.flatMap((a) => [...valueVariables(a), a.groupBy?.variable]).filter((v) => v !== undefined))];
    const q: AggregationQuery = {
      id: r.id, title: r.title, querier: r.querier, population: r.population, aggregates, purposes: r.purposes,
      minContributors: r.minContributors, deadline: r.deadline, expectedSelectivity: r.expectedSelectivity,
      hideParticipation: r.hideParticipation, validated: r.validated, selection: `SELECT ${variables.map((v) => `?${v}`).join(' ') || '?s'} WHERE { ?s ?p ?o }`,
    };
    if (r.plan !== undefined) q.plan = r.plan;
    if (r.nonce !== undefined) q.nonce = r.nonce;
    if (r.fixedParams !== undefined) q.fixedParams = r.fixedParams;
    return q;
  }),
);

const policy: fc.Arbitrary<ConsentPolicy> = fc.record({
  id: iri, owner: webId,
  purposes: sortedUnique(fc.array(fc.constantFrom(DPV.ResearchAndDevelopment, DPV.CommercialResearch))),
  queriers: sortedUnique(fc.array(webId, { maxLength: 4 })),
  anyQuerier: fc.boolean(),
  dataScope: sortedUnique(fc.array(iri, { maxLength: 4 })),
  dataClasses: sortedUnique(fc.array(iri, { maxLength: 3 })),
  minGroupSize: fc.integer({ min: 1, max: 20 }),
  minContributors: fc.integer({ min: 1, max: 1000 }),
  maxQueriesPerDay: fc.integer({ min: 0, max: 100 }),
});

const decision: fc.Arbitrary<ConsentDecision> = fc.record({
  id: iri, owner: webId, query: iri, accepted: fc.boolean(), reason: text, at: dateTime,
  documents: sortedUnique(fc.array(iri, { maxLength: 4 })),
});

const groupId = fc.array(fc.nat({ max: 20 }), { maxLength: 4 }).map((path) => ['g', ...path].join('.'));
const plan: fc.Arbitrary<AggregationPlan> = fc.record({
  id: iri, query: iri, nonce: fc.stringMatching(/^[0-9a-f]{16,64}$/), params,
  groups: fc.uniqueArray(fc.record({
    id: groupId, level: fc.nat({ max: 6 }), parent: fc.option(groupId, { nil: null }),
    members: fc.array(webId, { minLength: 1, maxLength: 5 }),
  }), { minLength: 1, maxLength: 6, selector: (g) => g.id }),
  backups: fc.array(webId, { maxLength: 5 }),
  zoneMembers: fc.uniqueArray(webId, { maxLength: 6 }),
  pins: fc.array(fc.record({ x25519: key, ed25519: key, inbox: iri }), { maxLength: 6 }),
  startsAt: fc.option(dateTime, { nil: undefined }),
  sheets: fc.array(fc.record({ kind: fc.constantFrom('group' as const, 'zone' as const), group: groupId, sheet: iri, sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }), { maxLength: 4 }),
}).map(({ zoneMembers, pins, startsAt, sheets, ...p }) => ({
  ...p,
  ...(startsAt === undefined ? {} : { startsAt }),
  zones: Object.fromEntries(zoneMembers.map((m, i) => [m, p.groups[i % p.groups.length].id])),
  ...(pins.length ? { runKeys: Object.fromEntries(pins.map((pin, i) => [zoneMembers[i] ?? `${p.id}-querier`, pin])) } : {}),
  ...(sheets.length ? { keySheets: sheets } : {}),
}));

const keySheet: fc.Arbitrary<KeySheet> = fc.record({
  id: iri, plan: iri, kind: fc.constantFrom('group' as const, 'zone' as const), group: groupId,
  runKeys: fc.uniqueArray(webId, { maxLength: 6 }).chain((members) => fc.tuple(...members.map(() => fc.record({ x25519: key, ed25519: key, inbox: iri })))
    .map((pins) => Object.fromEntries(members.map((m, i) => [m, pins[i]])))),
});

const messageBase = fc.record({ query: iri, sender: webId, recipient: webId, sentAt: dateTime, signature: bytes });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.tuple(messageBase, iri).map(([b, plan]): Message => ({ type: 'Announcement', ...b, plan })),
  fc.tuple(messageBase, groupId, fc.nat({ max: 9 }), iri, bytes).map(([b, group, position, consent, sealed]): Message => ({ type: 'Contribution', ...b, group, position, consent, sealed })),
  fc.tuple(fc.constantFrom('Abstention' as const, 'Withdrawal' as const), messageBase, groupId, fc.nat({ max: 9 })).map(([type, b, group, position]): Message => ({ type, ...b, group, position })),
  fc.tuple(messageBase, groupId, fc.nat({ max: 9 }), sortedUnique(fc.array(fc.oneof(webId, groupId))), fc.option(bytes, { nil: undefined }))
    .map(([b, group, position, contributors, sealed]): Message => ({ type: 'Confirmation', ...b, group, position, contributors, ...(sealed ? { sealed } : {}) })),
  fc.tuple(messageBase, groupId, fc.nat({ max: 9 }), bytes).map(([b, group, position, sealed]): Message => ({ type: 'KeySeed', ...b, group, position, sealed })),
  fc.tuple(messageBase, groupId, fc.nat({ max: 9 }), fc.stringMatching(/^[0-9a-f]{64}$/), nat, nat, nat, bytes, fc.option(nat, { nil: undefined }))
    .map(([b, group, position, versionId, counter, x, y, sealed, rejected]): Message => ({
      type: 'PartialAggregate', ...b, group, position, versionId, counter, included: Math.min(x, y), received: Math.max(x, y), ...(rejected === undefined ? {} : { rejected }), sealed,
    })),
);

const anyNumber = fc.oneof(finite, fc.double(), fc.integer());
// Grouped values nest at most as deep as the reader accepts (result.ts): deeper is refused, not read.
const value: fc.Arbitrary<AggregateValue> = fc.letrec<{ value: AggregateValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    anyNumber.map((v): AggregateValue => ({ kind: 'scalar', value: v })),
    fc.array(anyNumber, { maxLength: 6 }).map((values): AggregateValue => ({ kind: 'vector', values })),
    bins.chain((b) => fc.array(fc.nat(), { minLength: b.length, maxLength: b.length }).map((counts): AggregateValue => ({ kind: 'histogram', bins: b, counts }))),
    fc.uniqueArray(text, { maxLength: 3 }).chain((keys) => fc.array(tie('value'), { minLength: keys.length, maxLength: keys.length }).map((values): AggregateValue => ({ kind: 'grouped', keys, values }))),
  ),
})).value;

const result: fc.Arbitrary<AggregationResult> = fc.record({
  id: iri, query: iri, plan: iri,
  values: fc.array(fc.record({ aggregate: iri, kind: fc.constantFrom(...AGGREGATE_KINDS), value }), { maxLength: 4 }),
  contributors: nat, completeness: fc.double({ min: 0, max: 1, noNaN: true }),
  strategy: fc.constantFrom(...STRATEGY_NAMES), startedAt: dateTime, endedAt: dateTime, generatedBy: webId,
  rejected: nat,
}, { requiredKeys: ['id', 'query', 'plan', 'values', 'contributors', 'completeness', 'strategy', 'startedAt', 'endedAt', 'generatedBy'] });

const registration: fc.Arbitrary<Registration> = fc.record({ webId, inbox: iri, x25519: key, ed25519: key });

// ---- properties ---------------------------------------------------------------------------

function roundTrip<T>(name: string, arb: fc.Arbitrary<T>, serialize: (x: T) => string, parse: (t: string, base: string) => T): void {
  test(`round trip: ${name}`, () => {
    fc.assert(fc.property(arb, (x) => {
      const turtle = serialize(x);
      // structuredClone: fast-check records have a null prototype, parsed objects do not.
      assert.deepStrictEqual(parse(turtle, BASE), structuredClone(x), turtle);
    }), RUNS);
  });
}

roundTrip('AggregationQuery', query, serializeQuery, parseQuery);
roundTrip('ConsentPolicy', policy, serializeConsentPolicy, parseConsentPolicy);
roundTrip('ConsentDecision', decision, serializeConsentDecision, parseConsentDecision);
roundTrip('AggregationPlan', plan, serializePlan, parsePlan);
roundTrip('KeySheet', keySheet, serializeKeySheet, parseKeySheet);
roundTrip('Message', message, serializeMessage, parseMessage);
roundTrip('AggregationResult', result, serializeResult, parseResult);
roundTrip('Registration', registration, serializeRegistration, parseRegistration);

test('serialized documents use the pa: prefix', () => {
  const turtle = serializeConsentDecision({ id: BASE, owner: BASE, query: BASE, accepted: true, reason: 'ok', at: new Date(0).toISOString(), documents: [] });
  assert.match(turtle, /@prefix pa: /);
  assert.ok(turtle.includes('pa:ConsentDecision'), PA.ConsentDecision);
});
