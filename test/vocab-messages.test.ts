// Messages arrive from anyone: parsing must refuse oversize and malformed input with a
// VocabError, never crash or hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_MESSAGE_BYTES, PA, RDFS, VocabError, loopbackUrl, parseContribution, parseKeySheet, parseMessage, parseRegistration,
  serializeKeySheet, serializeMessage, serializeRegistration, type Contribution, type KeySheet,
} from '../query-vocab/index.ts';

const BASE = loopbackUrl(3000, '/bob/inbox/m1');
const contribution: Contribution = {
  type: 'Contribution',
  query: loopbackUrl(3000, '/q/queries/1#it'),
  sender: loopbackUrl(3000, '/alice/profile/card#me'),
  recipient: loopbackUrl(3000, '/bob/profile/card#me'),
  sentAt: '2026-11-01T10:00:00.000Z',
  signature: new Uint8Array(64).fill(7),
  group: 'g.0.1',
  position: 2,
  consent: loopbackUrl(3000, '/alice/consent/log#d1'),
  sealed: Uint8Array.from([1, 2, 3, 250]),
};

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof VocabError, `expected a VocabError, got ${e}`);
    return [...e.problems];
  }
  assert.fail('expected a VocabError');
}

test('a message parses back by dispatching on its class, relative to its own IRI', () => {
  const turtle = serializeMessage(contribution);
  assert.match(turtle, /^<> a pa:Contribution/m);
  assert.deepStrictEqual(parseMessage(turtle, BASE), contribution);
  assert.deepStrictEqual(parseContribution(turtle, BASE), contribution);
});

test('a message of another type is refused by a specific parser', () => {
  const turtle = serializeMessage({ ...contribution, type: 'Announcement', plan: BASE } as never);
  assert.match(problemsOf(() => parseContribution(turtle, BASE))[0], /the document has pa:Announcement; expected one of pa:Contribution/);
});

test('oversize messages are refused before parsing', () => {
  const huge = '#'.repeat(MAX_MESSAGE_BYTES + 1);
  assert.match(problemsOf(() => parseMessage(huge, BASE))[0], /above the limit of 8388608/);
});

test('garbage, empty and untyped input give a VocabError', () => {
  for (const input of ['', '\u0000\u0001garbage <<<', '<> <> <> .', '@prefix x: <y> . x:a x:b x:c .', '[[[[[[[[[[', '"\\u0000"']) {
    assert.ok(problemsOf(() => parseMessage(input, BASE)).length > 0, JSON.stringify(input));
  }
});

test('deeply nested blank nodes and long lists neither crash nor hang', () => {
  const deep = `@prefix pa: <${PA.$}> . <> a pa:Contribution ; pa:group ${'[ pa:x '.repeat(5000)}1${' ]'.repeat(5000)} .`;
  assert.ok(problemsOf(() => parseMessage(deep, BASE)).length > 0);
  const list = `@prefix pa: <${PA.$}> . <> a pa:Confirmation ; pa:contributor (${' "x"'.repeat(20000)} ) .`;
  assert.ok(problemsOf(() => parseMessage(list, BASE)).length > 0);
});

test('a forged payload literal is refused', () => {
  const turtle = serializeMessage(contribution).replace(/pa:sealed "[^"]*"/, 'pa:sealed "not base64!"');
  assert.ok(problemsOf(() => parseMessage(turtle, BASE)).some((p) => /pa:sealed: /.test(p)));
});

test('a message with two classes is refused', () => {
  const turtle = serializeMessage(contribution).replace('a pa:Contribution', 'a pa:Contribution, pa:Confirmation');
  assert.match(problemsOf(() => parseMessage(turtle, BASE))[0], /pa:Contribution and pa:Confirmation/);
});

test('registrations carry keys as multibase Multikeys and refuse a wrong key type', () => {
  const registration = {
    webId: loopbackUrl(3000, '/alice/profile/card#me'),
    inbox: loopbackUrl(3000, '/alice/inbox/'),
    x25519: new Uint8Array(32).fill(1),
    ed25519: new Uint8Array(32).fill(2),
  };
  const turtle = serializeRegistration(registration);
  assert.match(turtle, /sec:publicKeyMultibase "z6LS/);
  assert.match(turtle, /sec:publicKeyMultibase "z6Mk/);
  assert.deepStrictEqual(parseRegistration(turtle, BASE), registration);
  const swapped = turtle.replace('sec:keyAgreementMethod', 'sec:TMP').replace('sec:assertionMethod', 'sec:keyAgreementMethod').replace('sec:TMP', 'sec:assertionMethod');
  assert.ok(problemsOf(() => parseRegistration(swapped, BASE)).some((p) => /sec:publicKeyMultibase: .* is not a x25519 public key multikey/.test(p)));
});

test('a node whose class the document declares a subclass of a shape\'s target is still checked against that shape', () => {
  // Only the shapes that can target something in a document are run; a subclass declared
  // in the document can make any class a target, so it must not hide a violation.
  const turtle = `${serializeMessage(contribution)}
<#p> a <#MyPolicy> .
<#MyPolicy> <${RDFS.subClassOf}> <${PA.ConsentPolicy}> .
`;
  const problems = problemsOf(() => parseMessage(turtle, BASE));
  assert.ok(problems.some((p) => p.includes('#p>')), `no problem names the policy node: ${problems.join('; ')}`);
});

test('a key sheet is one group\'s or one zone\'s: both, or neither, is refused', () => {
  const sheet: KeySheet = {
    id: loopbackUrl(3000, '/q/queries/1-plan-zone-g.0'), plan: loopbackUrl(3000, '/q/queries/1-plan'), kind: 'zone', group: 'g.0',
    runKeys: { [loopbackUrl(3000, '/alice/profile/card#me')]: { x25519: new Uint8Array(32).fill(1), ed25519: new Uint8Array(32).fill(2), inbox: loopbackUrl(3000, '/alice/inbox/') } },
  };
  const turtle = serializeKeySheet(sheet);
  assert.deepStrictEqual(parseKeySheet(turtle, sheet.id), sheet);
  const both = turtle.replace('pa:zoneOf "g.0"', 'pa:zoneOf "g.0"; pa:groupId "g.0"');
  assert.notEqual(both, turtle);
  assert.ok(problemsOf(() => parseKeySheet(both, sheet.id)).some((p) => /give exactly one/.test(p)));
  const neither = turtle.replace('pa:zoneOf "g.0"', 'pa:plan <x>');
  assert.ok(problemsOf(() => parseKeySheet(neither, sheet.id)).some((p) => /give exactly one/.test(p)));
});
