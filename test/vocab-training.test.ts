// Training queries and model documents: the example training queries parse and survive a
// round trip; a trainer's mistakes, a malformed model, a wrong shape and a model above its
// declared bound are each refused with one sentence naming the node and property at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  base64Length, checkQuery, loopbackUrl, parseModel, parseQuery, serializeModel, serializeQuery, shapeMismatch,
  trainerVariables, type Model,
} from '../query-vocab/index.ts';
import { queryCheck } from '../cli/query-check.ts';
import { vocabProblems } from './helpers/vocab-problems.ts';

const BASE = loopbackUrl(3000, '/alice/podagg/queries/q');
const MODEL = loopbackUrl(3000, '/alice/podagg/queries/model-1');
const file = (name: string) => new URL(`../examples/training/${name}`, import.meta.url);
const read = (name: string) => readFileSync(file(name), 'utf8');

const problems = vocabProblems;

test('the example training queries parse, check clean and round-trip', () => {
  for (const name of ['operations-naive-bayes.ttl', 'operations-logistic.ttl']) {
    const q = parseQuery(read(name), BASE);
    const a = q.aggregates[0];
    assert.equal(a.kind, 'Training');
    assert.ok(a.kind === 'Training');
    assert.equal(a.unit, 'rows');
    assert.equal(a.maxRows, 200);
    assert.deepEqual(trainerVariables(a.trainer), ['description', 'category']);
    assert.equal(a.trainer.classes.length, 6);
    assert.deepEqual(checkQuery(q, { now: new Date('2026-01-01T00:00:00Z') }), []);
    assert.deepEqual(parseQuery(serializeQuery(q), BASE), q);
  }
  const lr = parseQuery(read('operations-logistic.ttl'), BASE).aggregates[0];
  assert.ok(lr.kind === 'Training' && lr.trainer.kind === 'LogisticRegression');
  assert.deepEqual([lr.trainer.epochs, lr.trainer.learningRate, lr.trainer.batchSize, lr.trainer.lower, lr.trainer.upper, lr.trainer.precision], [5, 1, 8, -20, 20, 6]);
});

test('podagg query check knows the training terms', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await queryCheck(['--now', '2026-01-01T00:00:00Z', file('operations-logistic.ttl').pathname], { out: (l) => out.push(l), err: (l) => err.push(l) });
  assert.equal(code, 0, err.join('\n'));
  assert.match(out[0], /^ok: Bank operation categories/);
});

const BROKEN: Array<[string, (t: string) => string, RegExp]> = [
  ['SGD settings on naive Bayes', (t) => t.replace('a pa:NaiveBayes ;', 'a pa:NaiveBayes ; pa:epochs 3 ;'), /pa:epochs: does not apply to a pa:NaiveBayes/],
  ['a model on naive Bayes', (t) => t.replace('a pa:Training ;', 'a pa:Training ; pa:model <https://bank-study.example/m> ;'), /pa:model: naive Bayes counts depend on no model/],
  ['an unknown trainer', (t) => t.replace('a pa:NaiveBayes ;', 'a pa:RandomForest ;'), /rdf:type: unknown trainer pa:RandomForest/],
  ['one class', (t) => t.replace(/pa:classes \([^)]*\)/, 'pa:classes ( "rent" )'), /pa:classes: a classifier needs at least two classes/],
  ['a class twice', (t) => t.replace(/pa:classes \([^)]*\)/, 'pa:classes ( "rent" "rent" )'), /pa:classes: class "rent" is listed twice/],
  ['text and features', (t) => t.replace('pa:label "category" ;', 'pa:label "category" ; pa:variables ( "x" ) ;'), /give a text .* or features .*, not both/],
  ['no label', (t) => t.replace('pa:label "category" ;', ''), /pa:label: the trainer needs the SELECT variable of the class/],
  ['an unbound label', (t) => t.replace('pa:label "category"', 'pa:label "kind"'), /pa:label: variable \?kind is not bound/],
  ['a grouped training', (t) => t.replace('a pa:Training ;', 'a pa:Training ; pa:groupBy [ pa:variable "category" ; pa:keys ( "a" ) ] ;'), /pa:groupBy: a pa:Training cannot be grouped/],
  ['features on naive Bayes', (t) => t.replace(/pa:variable "description" ;\s*/, '').replace(/pa:vocabulary \([^)]*\)/, 'pa:variables ( "description" )'), /naive Bayes reads tokens/],
];

for (const [name, edit, expected] of BROKEN) {
  test(`a training query with ${name} is refused`, () => {
    const found = problems(() => parseQuery(edit(read('operations-naive-bayes.ttl')), BASE));
    assert.ok(found.some((p) => expected.test(p)), found.join('\n'));
  });
}

test('logistic regression needs a model, SGD settings and weight bounds; an evaluation needs a model', () => {
  const lr = read('operations-logistic.ttl');
  assert.ok(problems(() => parseQuery(lr.replace(/pa:model <[^>]+> ;/, ''), BASE)).some((p) => /pa:model: logistic regression trains from a model/.test(p)));
  assert.ok(problems(() => parseQuery(lr.replace('pa:epochs 5 ;', ''), BASE)).some((p) => /SGD needs its number of epochs/.test(p)));
  assert.ok(problems(() => parseQuery(lr.replace('pa:lower -20 ;', ''), BASE)).some((p) => /a lower bound is required to clip the weights/.test(p)));
  assert.ok(problems(() => parseQuery(lr.replace('pa:learningRate 1', 'pa:learningRate 0'), BASE)).some((p) => /learning rate 0 is not above 0/.test(p)));
  const evaluation = lr.replace('a pa:Training ;', 'a pa:Evaluation ;');
  assert.equal(parseQuery(evaluation, BASE).aggregates[0].kind, 'Evaluation');
  assert.ok(problems(() => parseQuery(evaluation.replace(/pa:model <[^>]+> ;/, ''), BASE)).some((p) => /an evaluation scores a model: pa:model is required/.test(p)));
});

const model = (parameters: number[], shape = [2, 3], maxParameters = 6): Model => ({ id: MODEL, shape, maxParameters, parameters: Float64Array.from(parameters) });

test('a model document round-trips its doubles exactly, as one base64 literal', () => {
  const m = { ...model([0.1, -2.5e-300, 1e300, 0, -0.3333333333333333, 42]), derivedFrom: `${MODEL}-0`, generatedBy: `${BASE}-train` };
  const turtle = serializeModel(m);
  assert.equal((turtle.match(/pa:parameters/g) ?? []).length, 1);
  const back = parseModel(turtle, MODEL);
  assert.deepEqual(back, m);
  assert.equal(shapeMismatch(back, [2, 3]), null);
  assert.match(shapeMismatch(back, [3, 2]) ?? '', /pa:shape: the model has shape \(2 3\), the query's trainer needs \(3 2\)/);
});

test('a malformed, inconsistent or oversized model is refused with its reason', () => {
  const good = serializeModel(model([1, 2, 3, 4, 5, 6]));
  const literal = /"([^"]*)"\^\^xsd:base64Binary/;
  const withParameters = (b64: string) => good.replace(literal, `"${b64}"^^xsd:base64Binary`);
  const cases: Array<[string, string, RegExp]> = [
    ['not base64', withParameters('not base64!'), /pa:parameters: value "not base64!" is not a valid xsd:base64Binary/],
    ['a broken double', withParameters(Buffer.alloc(47).toString('base64')), /47 bytes are not a whole number of 8-byte doubles/],
    ['fewer parameters than its shape', withParameters(Buffer.alloc(40).toString('base64')), /5 parameters, but the shape \(2 3\) holds 6/],
    ['a shape above its bound', serializeModel(model([1, 2, 3, 4, 5, 6], [2, 3], 4)), /shape \(2 3\) holds 6 parameters, above the declared pa:maxParameters 4/],
    ['parameters far above its bound', withParameters(Buffer.alloc(8 * 1000).toString('base64')), new RegExp(`${base64Length(1000)} base64 characters hold more than the declared pa:maxParameters 6; not decoded`)],
    ['a NaN', serializeModel(model([1, 2, NaN, 4, 5, 6])), /parameter 2 is NaN, not a finite number/],
    ['no shape', good.replace(/pa:shape \([^)]*\);/, ''), /the model needs its shape as a list/],
    ['a zero dimension', serializeModel(model([], [0, 3])), /must list one or more dimensions of at least 1/],
  ];
  for (const [name, turtle, expected] of cases) {
    const found = problems(() => parseModel(turtle, MODEL));
    assert.ok(found.some((p) => expected.test(p)), `${name}: ${found.join('\n')}`);
  }
});
