// The Solid Notifications Protocol's documents as podagg reads and writes them: a storage
// description's subscription services (as CSS 7.2 serves it), the subscription request and
// answer, and notifications; a JSON document without the protocol's context is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AS, NOTIFICATION_CONTEXT, NOTIFY, PIM, VocabError, parseActivity, parseSubscription, subscriptionRequest, subscriptionServices,
} from '../query-vocab/index.ts';

const DESCRIPTION = 'http://127.0.0.1:3000/.well-known/solid';
const TURTLE = `<../> a <${PIM.Storage}>;
    <${NOTIFY.subscription}> <../.notifications/WebhookChannel2023/>, <../.notifications/WebSocketChannel2023/>.
<../.notifications/WebSocketChannel2023/> <${NOTIFY.channelType}> <${NOTIFY.WebSocketChannel2023}>;
    <${NOTIFY.$}feature> <${NOTIFY.$}accept>, <${NOTIFY.$}endAt>.
<../.notifications/WebhookChannel2023/> <${NOTIFY.channelType}> <${NOTIFY.WebhookChannel2023}>.
`;

test('the subscription service for a channel type, resolved against the description', () => {
  assert.deepEqual(subscriptionServices(TURTLE, DESCRIPTION, NOTIFY.WebSocketChannel2023), ['http://127.0.0.1:3000/.notifications/WebSocketChannel2023/']);
  assert.deepEqual(subscriptionServices(TURTLE, DESCRIPTION, NOTIFY.WebhookChannel2023), ['http://127.0.0.1:3000/.notifications/WebhookChannel2023/']);
  assert.deepEqual(subscriptionServices(`<../> a <${PIM.Storage}>.`, DESCRIPTION, NOTIFY.WebSocketChannel2023), []);
  // A channel type said of something that is no subscription service does not count.
  const stray = `<../x> <${NOTIFY.channelType}> <${NOTIFY.WebSocketChannel2023}>.`;
  assert.deepEqual(subscriptionServices(stray, DESCRIPTION, NOTIFY.WebSocketChannel2023), []);
});

test('a subscription request names the context, the channel type and the topic', () => {
  const topic = 'http://127.0.0.1:3000/alice/podagg/inbox/';
  assert.deepEqual(JSON.parse(subscriptionRequest(NOTIFY.WebSocketChannel2023, topic)), {
    '@context': [NOTIFICATION_CONTEXT], type: NOTIFY.WebSocketChannel2023, topic,
  });
});

test('the socket to receive from, out of a subscription answer', () => {
  const receiveFrom = 'ws://127.0.0.1:3000/.notifications/WebSocketChannel2023/c1df07ab';
  const answer = { '@context': [NOTIFICATION_CONTEXT], id: 'x', type: NOTIFY.WebSocketChannel2023, receiveFrom };
  assert.equal(parseSubscription(JSON.stringify(answer), 'S'), receiveFrom);
  assert.throws(() => parseSubscription(JSON.stringify({ ...answer, receiveFrom: undefined }), 'S'), /^VocabError: the subscription answer of S has no notify:receiveFrom URL$/);
  assert.throws(() => parseSubscription(JSON.stringify({ receiveFrom }), 'S'), /does not use the Solid notifications context/);
  assert.throws(() => parseSubscription('<html>', 'S'), VocabError);
});

test('a notification: bare types are Activity Streams terms, the object a string or a node', () => {
  // The Activity Streams context is its namespace without the '#'.
  const context = [AS.$.slice(0, -1), NOTIFICATION_CONTEXT];
  const object = 'http://127.0.0.1:3000/alice/podagg/inbox/b9c1';
  assert.deepEqual(parseActivity(JSON.stringify({ '@context': context, type: 'Add', object, target: 'x' })), { type: AS.Add, object });
  assert.deepEqual(parseActivity(JSON.stringify({ '@context': context, type: AS.Remove, object: { id: object } })), { type: AS.Remove, object });
  assert.throws(() => parseActivity('Notification channel has expired'), /is not JSON/);
  assert.throws(() => parseActivity(JSON.stringify({ '@context': context, type: 'Add' })), /lacks a type or an object/);
});
