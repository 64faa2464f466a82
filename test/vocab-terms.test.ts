// Terms, the ontology as served, multikeys and the selection checker on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser } from 'n3';
import {
  PA, RDF, RDFS, SEC, EX, compactIri, loopbackUrl, ontologyTurtle, ontologyJsonLd, shapesTurtle,
  encodeMultikey, decodeMultikey, checkSelection, type AggregateSpec,
} from '../query-vocab/index.ts';

test('terms are built from their namespace', () => {
  assert.equal(PA.Mean, `${PA.$}Mean`);
  assert.equal(compactIri(PA.lower), 'pa:lower');
  assert.equal(compactIri(EX.steps), 'pa-ex:steps');
  assert.equal(loopbackUrl(3000), 'http://127.0.0.1:3000/');
  assert.equal(loopbackUrl(3000, 'alice/'), 'http://127.0.0.1:3000/alice/');
  assert.throws(() => loopbackUrl(70000));
});

test('every pa: term used in code is declared in the ontology with a label and a comment or a class', () => {
  const quads = new Parser().parse(ontologyTurtle());
  const subjects = new Set(quads.map((q) => q.subject.value));
  const labelled = new Set(quads.filter((q) => q.predicate.value === RDFS.label).map((q) => q.subject.value));
  const missing = Object.entries(PA).filter(([k, v]) => k !== '$' && (!subjects.has(v) || !labelled.has(v))).map(([k]) => k);
  assert.deepEqual(missing, []);
});

test('the ontology is served as JSON-LD too', () => {
  const doc = ontologyJsonLd();
  assert.equal(doc['@context'].pa, PA.$);
  const mean = doc['@graph'].find((n) => n['@id'] === 'pa:Mean');
  assert.ok(mean);
  assert.deepEqual(mean['@type'], ['owl:Class']);
  assert.ok(JSON.stringify(doc).length > 1000);
});

test('the shapes parse', () => {
  const quads = new Parser().parse(shapesTurtle());
  assert.ok(quads.some((q) => q.predicate.value === RDF.type && q.subject.value === `${PA.$}AggregationQueryShape`));
});

test('multikeys round trip and carry their key type', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const ed = encodeMultikey('ed25519', key);
  assert.match(ed, /^z6Mk/);
  assert.deepEqual(decodeMultikey('ed25519', ed), key);
  assert.match(encodeMultikey('x25519', key), /^z6LS/);
  assert.throws(() => decodeMultikey('x25519', ed), /not a x25519/);
  assert.throws(() => encodeMultikey('ed25519', new Uint8Array(31)));
  assert.ok(SEC.publicKeyMultibase.endsWith('publicKeyMultibase'));
});

test('checkSelection: SELECT only, bound variables, no SERVICE, FROM inside the scope', () => {
  const mean: AggregateSpec = { id: loopbackUrl(1, '/q#m'), kind: 'Mean', variable: 'steps', lower: 0, upper: 50_000, unit: 'people' };
  assert.deepEqual(checkSelection('SELECT ?steps WHERE { ?d ?p ?steps }', [mean]), []);
  assert.deepEqual(checkSelection('SELECT * WHERE { ?d ?p ?steps }', [mean]), []);
  assert.deepEqual(checkSelection('SELECT (?s * 2 AS ?steps) WHERE { ?d ?p ?s }', [mean]), []);
  assert.match(checkSelection('SELECT ?d WHERE { ?d ?p ?steps }', [mean])[0], /pa:variable: variable \?steps is not bound/);
  assert.match(checkSelection('CONSTRUCT WHERE { ?d ?p ?steps }', [mean])[0], /a CONSTRUCT query; it must be a SELECT/);
  assert.match(checkSelection('CLEAR ALL', [mean])[0], /SPARQL UPDATE/);
  const nested = 'SELECT ?steps WHERE { ?d ?p ?steps FILTER NOT EXISTS { { SELECT ?x WHERE { SERVICE ?endpoint { ?x ?y ?z } } } } }';
  assert.match(checkSelection(nested, [mean])[0], /uses SERVICE/);
  const from = `SELECT ?steps FROM NAMED <${loopbackUrl(1, '/other/')}> WHERE { ?d ?p ?steps }`;
  assert.match(checkSelection(from, [mean], [loopbackUrl(1, '/alice/')])[0], /outside the data scope/);
  assert.deepEqual(checkSelection(from, [mean]), []);
});
