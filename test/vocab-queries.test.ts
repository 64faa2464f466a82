// The example queries parse and validate; broken queries fail with one readable sentence
// per problem, naming the node and property at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PA, checkQuery, loopbackUrl, parseQuery, valueVariables, type AggregationQuery } from '../query-vocab/index.ts';
import { vocabProblems } from './helpers/vocab-problems.ts';

const EXAMPLES = ['mean-steps', 'spending-histogram', 'fl-vectorsum', 'validated-steps'] as const;
const read = (name: (typeof EXAMPLES)[number]): string => readFileSync(new URL(`../examples/queries/${name}.ttl`, import.meta.url), 'utf8');
const BASE = loopbackUrl(3000, '/alice/queries/q');

/** The problems parsing gives, or [] if it parses. */
function problems(turtle: string): string[] {
  return vocabProblems(() => parseQuery(turtle, BASE));
}

/** Node, then property, then the sentence: `<iri>[/path] prefix:name: …`. */
const PROBLEM_SHAPE = /^<[^>\s]+>(\/[\w-]+:[\w-]+(\[\d+\])?)* ([\w-]+:[\w-]+)?: \S.*$/;

test('every example query parses, validates and passes the offline checks', () => {
  for (const name of EXAMPLES) {
    const q = parseQuery(read(name), BASE);
    assert.ok(q.title.length > 0);
    assert.ok(q.aggregates.length > 0);
    assert.deepEqual(checkQuery(q, { now: new Date('2026-01-01T00:00:00Z') }), [], name);
  }
});

test('defaults are applied at parse time', () => {
  const q = parseQuery(read('mean-steps').replace('pa:expectedSelectivity 0.3 ;', '').replace('pa:precision 0 ;', '').replace('pa:unit pa:People', ''), BASE);
  assert.equal(q.expectedSelectivity, 1);
  const mean = q.aggregates[0];
  assert.ok(mean.kind === 'Mean');
  assert.equal(mean.precision, 0);
  assert.equal(q.aggregates[0].unit, 'people');
  const h = parseQuery(read('spending-histogram').replace('pa:maxRows 2000 .', '.').replace(';\n  pa:unit pa:Rows ;', ';\n  pa:unit pa:Rows'), BASE);
  assert.equal(h.aggregates[0].maxRows, 1000);
  assert.deepEqual(q.fixedParams, undefined);
  assert.deepEqual(h.fixedParams, { groupSize: 5, strategy: 'Hybrid' });
});

test('validated contributions: declared on the query, off by default, refused beside differential privacy', () => {
  assert.equal(parseQuery(read('validated-steps'), BASE).validated, true);
  assert.equal(parseQuery(read('mean-steps'), BASE).validated, false);
  const dp = readFileSync(new URL('../examples/queries/dp-steps.ttl', import.meta.url), 'utf8').replace('pa:expectedSelectivity 0.8 ;', 'pa:expectedSelectivity 0.8 ; pa:validateContributions true ;');
  assert.deepEqual(problems(dp), [`<${BASE}> pa:validateContributions: a differentially private query cannot have validated contributions yet: its root positions add noise in Z/2^64, validated sums are in the Prio3 field`]);
  assert.match(problems(read('validated-steps').replace('pa:validateContributions true', 'pa:validateContributions "yes"'))[0], /pa:validateContributions/);
});

test('blank aggregates are named in document order; variables may carry their ?', () => {
  const q = parseQuery(read('mean-steps').replace('pa:variable "steps"', 'pa:variable "?steps"'), BASE);
  assert.deepEqual(q.aggregates.map((a) => [a.id, a.kind]), [[`${BASE}#aggregate-1`, 'Mean'], [`${BASE}#aggregate-2`, 'Count']]);
  assert.deepEqual(valueVariables(q.aggregates[0]), ['steps']);
});

interface Broken {
  name: string;
  example: (typeof EXAMPLES)[number];
  edit: (turtle: string) => string;
  expect: RegExp;
}

const MEAN = `<${BASE}#aggregate-1>`;
const AMOUNTS = `<${BASE}#amounts>`;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const at = (node: string, property: string, sentence: string): RegExp => new RegExp(`^${esc(node)} ${esc(property)}: ${sentence}`);

const BROKEN: Broken[] = [
  { name: 'missing selection', example: 'mean-steps', edit: (t) => t.replace(/pa:selection """[\s\S]*?""" ;/, ''), expect: at(`<${BASE}>`, 'pa:selection', 'a value is required but missing') },
  { name: 'SPARQL syntax error', example: 'mean-steps', edit: (t) => t.replace('SELECT ?steps WHERE', 'SELEKT ?steps WHERE'), expect: at(`<${BASE}>`, 'pa:selection', 'SPARQL syntax error') },
  { name: 'an UPDATE', example: 'mean-steps', edit: (t) => t.replace(/SELECT \?steps WHERE \{[\s\S]*?\n    \}/, 'DELETE WHERE { ?s ?p ?o }'), expect: at(`<${BASE}>`, 'pa:selection', 'the selection is a SPARQL UPDATE') },
  { name: 'an ASK', example: 'mean-steps', edit: (t) => t.replace('SELECT ?steps WHERE', 'ASK WHERE'), expect: at(`<${BASE}>`, 'pa:selection', 'the selection is an ASK query') },
  { name: 'a SERVICE clause, nested', example: 'mean-steps', edit: (t) => t.replace('FILTER (?age > 50)', 'OPTIONAL { { SERVICE <https://evil.example/sparql> { ?person ?p ?o } } }'), expect: at(`<${BASE}>`, 'pa:selection', 'the selection uses SERVICE') },
  { name: 'an aggregate on a variable the SELECT does not bind', example: 'mean-steps', edit: (t) => t.replace('pa:variable "steps"', 'pa:variable "age"'), expect: at(MEAN, 'pa:variable', 'variable \\?age is not bound') },
  { name: 'a group-by on an unbound variable', example: 'spending-histogram', edit: (t) => t.replace('pa:variable "category"', 'pa:variable "kind"'), expect: at(AMOUNTS, 'pa:groupBy', 'variable \\?kind is not bound') },
  { name: 'a vector variable the SELECT does not bind', example: 'fl-vectorsum', edit: (t) => t.replace('"xx" "xy" )', '"xx" "xz" )'), expect: at(MEAN, 'pa:variables', 'variable \\?xz is not bound') },
  { name: 'bounds reversed', example: 'mean-steps', edit: (t) => t.replace('pa:lower 0 ;', 'pa:lower 100000 ;'), expect: at(MEAN, 'pa:lower', 'lower bound 100000 is not below upper bound 50000') },
  { name: 'a missing upper bound', example: 'mean-steps', edit: (t) => t.replace('pa:upper 50000 ;', ''), expect: at(MEAN, 'pa:upper', 'an upper bound is required') },
  { name: 'negative precision', example: 'mean-steps', edit: (t) => t.replace('pa:precision 0', 'pa:precision -1'), expect: at(MEAN, 'pa:precision', 'precision -1 is not') },
  { name: 'histogram with overlapping bins', example: 'spending-histogram', edit: (t) => t.replace('pa:upper 50 ]', 'pa:upper 60 ]'), expect: at(AMOUNTS, 'pa:bin', 'bins \\[10, 60\\) and \\[50, 100\\) overlap') },
  { name: 'a bin with lower above upper', example: 'spending-histogram', edit: (t) => t.replace('[ pa:lower 100 ; pa:upper 500 ]', '[ pa:lower 600 ; pa:upper 500 ]'), expect: new RegExp(`^${esc(AMOUNTS)}/pa:bin\\[\\d\\] pa:lower: bin lower bound 600 is not below its upper bound 500`) },
  { name: 'a histogram without bins', example: 'spending-histogram', edit: (t) => t.replace(/pa:bin \[[\s\S]*?5000 \] ;/, ''), expect: at(AMOUNTS, 'pa:bin', 'a histogram needs at least one pa:bin') },
  { name: 'unknown aggregate class', example: 'mean-steps', edit: (t) => t.replace('a pa:Mean', 'a pa:Median'), expect: at(MEAN, 'rdf:type', 'unknown aggregate class pa:Median') },
  { name: 'a literal of the wrong datatype', example: 'mean-steps', edit: (t) => t.replace('pa:minContributors 20', 'pa:minContributors "twenty"'), expect: at(`<${BASE}>`, 'pa:minContributors', 'value "twenty" is not a valid xsd:integer') },
  { name: 'a deadline that is not a date-time', example: 'mean-steps', edit: (t) => t.replace('"2030-01-01T00:00:00Z"^^xsd:dateTime', '"next year"'), expect: at(`<${BASE}>`, 'pa:deadline', 'value "next year" is not a valid xsd:dateTime') },
  { name: 'minContributors below 1', example: 'mean-steps', edit: (t) => t.replace('pa:minContributors 20', 'pa:minContributors 0'), expect: at(`<${BASE}>`, 'pa:minContributors', 'value 0 is below the minimum 1') },
  { name: 'selectivity above 1', example: 'mean-steps', edit: (t) => t.replace('pa:expectedSelectivity 0.3', 'pa:expectedSelectivity 1.5'), expect: at(`<${BASE}>`, 'pa:expectedSelectivity', 'expected selectivity 1.5 is not in \\(0, 1\\]') },
  { name: 'a vector dimension that differs from its variables', example: 'fl-vectorsum', edit: (t) => t.replace('pa:dimension 5', 'pa:dimension 4'), expect: at(MEAN, 'pa:dimension', 'dimension 4 differs from the 5 variables') },
  { name: 'an unknown unit', example: 'mean-steps', edit: (t) => t.replace('pa:unit pa:People', 'pa:unit pa:Bananas'), expect: at(MEAN, 'pa:unit', 'value pa:Bananas is not one of pa:People, pa:Rows') },
  { name: 'a querier that is not an IRI', example: 'mean-steps', edit: (t) => t.replace(/pa:querier <[^>]+>/, 'pa:querier "alice"'), expect: at(`<${BASE}>`, 'pa:querier', 'value "alice" must be an IRI') },
  { name: 'no purpose', example: 'mean-steps', edit: (t) => t.replace(/dpv:hasPurpose [^;]+;/, ''), expect: at(`<${BASE}>`, 'dpv:hasPurpose', 'a value is required but missing') },
  { name: 'an aggregate without a class', example: 'mean-steps', edit: (t) => t.replace('a pa:Count', 'pa:unit pa:People'), expect: at(`<${BASE}#aggregate-2>`, 'rdf:type', 'the aggregate has no class') },
  { name: 'a malformed nonce', example: 'mean-steps', edit: (t) => t.replace('pa:minContributors 20 ;', 'pa:minContributors 20 ; pa:nonce "xyz" ;'), expect: at(`<${BASE}>`, 'pa:nonce', 'nonce "xyz" is not 16 to 128 lowercase hex digits') },
  { name: 'a fixed threshold above the group size', example: 'spending-histogram', edit: (t) => t.replace('pa:groupSize 5 ;', 'pa:groupSize 5 ; pa:threshold 7 ;'), expect: new RegExp(`^<${esc(BASE)}>/pa:fixedParams pa:threshold: threshold 7 is above the group size`) },
];

for (const b of BROKEN) {
  test(`broken query: ${b.name}`, () => {
    const edited = b.edit(read(b.example));
    assert.notEqual(edited, read(b.example), 'the edit must change the example');
    const found = problems(edited);
    assert.ok(found.some((p) => b.expect.test(p)), `expected ${b.expect}, got:\n${found.join('\n')}`);
    for (const p of found) assert.match(p, PROBLEM_SHAPE);
  });
}

test('every problem is reported at once', () => {
  const t = read('mean-steps').replace('pa:minContributors 20', 'pa:minContributors 0').replace('pa:lower 0 ;', 'pa:lower 100000 ;').replace('a pa:Count', 'a pa:Median');
  assert.equal(problems(t).length, 3, problems(t).join('\n'));
});

test('a Turtle syntax error names the document', () => {
  assert.match(problems('<> a pa:AggregationQuery')[0], new RegExp(`^<${esc(BASE)}>: Turtle syntax error`));
});

test('a document without a query says so', () => {
  assert.match(problems(`@prefix pa: <${PA.$}> . <> a pa:AggregationPlan .`)[0], /rdf:type: the document has no pa:AggregationQuery/);
});

test('a deadline in the past is reported by checkQuery', () => {
  const q: AggregationQuery = parseQuery(read('mean-steps'), BASE);
  assert.deepEqual(checkQuery(q, { now: new Date('2031-01-01T00:00:00Z') }), [`<${BASE}> pa:deadline: the deadline 2030-01-01T00:00:00Z is in the past`]);
});

test('checkQuery refuses a sample variance that one contributor could be released with', () => {
  const q = parseQuery(read('mean-steps').replace('a pa:Mean ;', 'a pa:SampleVariance ;'), BASE);
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(q.aggregates[0].kind, 'SampleVariance');
  assert.deepEqual(checkQuery({ ...q, minContributors: 2 }, { now }), []);
  const found = checkQuery({ ...q, minContributors: 1 }, { now });
  assert.equal(found.length, 1);
  assert.match(found[0], at(`<${q.aggregates[0].id}>`, 'rdf:type', 'a pa:SampleVariance needs at least two values, but pa:minContributors 1 .*'));
});

test('FROM outside the data scope is reported by checkQuery', () => {
  const q = parseQuery(read('mean-steps').replace('SELECT ?steps WHERE', `SELECT ?steps FROM <${loopbackUrl(4000, '/bob/private/')}> WHERE`), BASE);
  const scope = [loopbackUrl(4000, '/bob/health/')];
  const found = checkQuery(q, { now: new Date('2026-01-01T00:00:00Z'), dataScope: scope });
  assert.equal(found.length, 1);
  assert.match(found[0], at(`<${BASE}>`, 'pa:selection', 'FROM <.*> is outside the data scope'));
  assert.deepEqual(checkQuery(q, { now: new Date('2026-01-01T00:00:00Z'), dataScope: [loopbackUrl(4000, '/bob/')] }), []);
});
