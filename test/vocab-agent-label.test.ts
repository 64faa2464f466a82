// Agents' labels from their profiles: the name, else the pod's host and path, and never a
// bare path segment (with pods on subdomains that segment is "profile" for everyone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOAF, PIM, VCARD, agentLabel, hostAndPath } from '../query-vocab/index.ts';
import { TurtleDoc, iri, str } from '../query-vocab/write.ts';

const ALICE = 'https://alice.pod.example/profile/card#me';
const BOB = 'https://pods.example/bob/profile/card#me';
const profile = (webId: string, ...pairs: Array<[string, ReturnType<typeof iri>]>) => {
  const doc = new TurtleDoc();
  for (const [p, o] of pairs) doc.add(iri(webId), p, o);
  return doc.toString();
};

test('the profile name is the label: foaf:name first, then vcard:fn', () => {
  assert.equal(agentLabel(ALICE, profile(ALICE, [FOAF.name, str('Alice Liddell')], [VCARD.fn, str('A. Liddell')])), 'Alice Liddell');
  assert.equal(agentLabel(ALICE, profile(ALICE, [VCARD.fn, str(' A. Liddell ')])), 'A. Liddell');
  // Someone else's name in the same document is not the agent's.
  assert.equal(agentLabel(ALICE, profile(BOB, [FOAF.name, str('Bob')])), 'alice.pod.example/profile/card');
});

test('without a name: the pod (known, or the profile storage) by host and path, else the WebID document', () => {
  assert.equal(agentLabel(ALICE, profile(ALICE, [PIM.storage, iri('https://alice.pod.example/')])), 'alice.pod.example');
  assert.equal(agentLabel(BOB, profile(BOB, [PIM.storage, iri('https://pods.example/bob/')])), 'pods.example/bob');
  assert.equal(agentLabel(BOB, undefined, 'https://pods.example/bob/'), 'pods.example/bob');
  assert.equal(agentLabel(ALICE, 'not turtle <'), 'alice.pod.example/profile/card');
  assert.equal(agentLabel(ALICE), 'alice.pod.example/profile/card');
  assert.equal(hostAndPath('http://127.0.0.1:3000/person-0001/'), '127.0.0.1:3000/person-0001');
});

test('agents on subdomains are told apart', () => {
  const webIds = ['alice', 'bob', 'carol'].map((n) => `http://${n}.localhost:3000/profile/card#me`);
  const labels = webIds.map((w) => agentLabel(w));
  assert.equal(new Set(labels).size, webIds.length);
  for (const label of labels) assert.notEqual(label, 'profile');
});
