// Notifications by discovery against a real Community Solid Server: with CSS's streaming
// link set aside, the inbox watcher finds the WebSocketChannel2023 subscription service
// through the storage description, and a message posted into the inbox reaches the reader
// through the socket without the inbox being listed; a dropped socket is subscribed again;
// a refused subscription falls back to polling and says why; every agent reports the mode
// it uses in the journal. The server sits behind a TCP proxy (a fake) that can drop the
// WebSocket connections; listings and subscriptions are counted on the owner's fetch. A
// message whose read fails for a moment (a dropped connection, a 401 to the owner's own
// token) is read again after a backoff, not at the next listing.

import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeMessage, type Message } from '../query-vocab/index.ts';
import type { Announcement } from '../query-vocab/types.ts';
import { generateKeys } from '../agent/core/keys.ts';
import { signMessage } from '../agent/core/sign.ts';
import { parseEvents } from '../agent/solid/events.ts';
import { AgentHost } from '../agent/solid/host.ts';
import { InboxReader } from '../agent/solid/inbox-reader.ts';
import type { NotificationMode, NotificationPreference } from '../agent/solid/inbox-watch.ts';
import { deleteResource, postTurtle, type Fetch } from '../agent/solid/pod.ts';
import { provision } from '../agent/solid/provision.ts';
import { DEFAULT_RETRY } from '../agent/solid/retry.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { startFleet, type Fleet } from '../solid-server/pods.ts';
import { freePorts } from '../harness/ports.ts';
import { printEvent } from '../cli/journal-print.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/** Long enough that no safety-net listing comes during a test. */
const HOUR = 3_600_000;
const MESSAGE = '<#m> <#says> "hello" .';

let proxy: TcpProxy;
let fleet: Fleet;
let stateDir: string;
let owner: AgentSession;
let sender: AgentSession;
let inbox: string;

before(async () => {
  const [server, front] = [await freePorts(), await freePorts()];
  proxy = await startTcpProxy(front, server);
  fleet = await startFleet({ pods: 5, port: server, baseUrl: proxy.url });
  stateDir = mkdtempSync(join(tmpdir(), 'podagg-notifications-'));
  [owner, sender] = await Promise.all(fleet.credentials.slice(0, 2).map((c) => login(c)));
  ({ inbox } = await provision(owner, fleet.credentials[0], stateDir));
});

after(async () => {
  await Promise.all([owner, sender].map((s) => s?.logout()));
  await fleet?.stop();
  await proxy?.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** The owner's fetch, counting the listings of the inbox and the subscriptions; `answer` may stand in for the server. */
function countingFetch(answer: (url: string, method: string) => Response | undefined = () => undefined) {
  const counts = { listings: 0, subscriptions: 0 };
  const listed: Array<() => void> = [];
  const fetch: Fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? 'GET';
    const faked = answer(url, method);
    if (faked) return faked;
    if (method === 'POST' && url.includes('/.notifications/WebSocketChannel2023/')) counts.subscriptions++;
    const response = await owner.fetch(input, init);
    if (method === 'GET' && url === inbox) {
      counts.listings++;
      listed.splice(0).forEach((done) => done());
    }
    return response;
  };
  const nextListing = () => new Promise<void>((resolve) => listed.push(resolve));
  return { fetch, counts, nextListing };
}

/** A reader of the owner's inbox whose arrivals resolve `arrival(url)`. */
function reader(fetch: Fetch, notifications: NotificationPreference, name: string) {
  const waiting = new Map<string, () => void>();
  const arrived = new Set<string>();
  const r = new InboxReader({
    fetch, inbox, notifications, pollMs: 500, safetyNetMs: HOUR, retry: DEFAULT_RETRY,
    processedFile: join(stateDir, `${name}-processed.txt`),
    onMessage: async (url: string, _read: Message | Error) => {
      arrived.add(url);
      waiting.get(url)?.();
    },
    log: () => undefined,
  });
  const arrival = (url: string) => (arrived.has(url) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(url, resolve)));
  return { reader: r, arrival };
}

test('with streaming set aside, a posted message arrives over WebSocketChannel2023 without a listing', async () => {
  const { fetch, counts } = countingFetch();
  const { reader: r, arrival } = reader(fetch, 'websocket', 'websocket');
  const watch = await r.start();
  try {
    assert.equal(watch.mode, 'websocket');
    assert.match(watch.summary, /WebSocketChannel2023 subscription \(found by discovery\)$/);
    assert.equal(counts.subscriptions, 1);
    const url = await postTurtle(sender.fetch, inbox, MESSAGE);
    await arrival(url);
    assert.equal(counts.listings, 0, 'the inbox was listed');
  } finally {
    r.stop();
  }
});

test('a dropped socket is subscribed again, the inbox listed for the gap, and the new socket delivers', async () => {
  const { fetch, counts, nextListing } = countingFetch();
  const { reader: r, arrival } = reader(fetch, 'websocket', 'reconnect');
  await r.start();
  try {
    const gapListing = nextListing();
    assert.ok(proxy.cutWebSockets() >= 1);
    // Posted while the socket is down: the listing on reopening finds it.
    const during = await postTurtle(sender.fetch, inbox, MESSAGE);
    await gapListing;
    await arrival(during);
    assert.equal(counts.subscriptions, 2);
    const listings = counts.listings;
    const after = await postTurtle(sender.fetch, inbox, MESSAGE);
    await arrival(after);
    assert.equal(counts.listings, listings, 'the inbox was listed for a message the new socket should have named');
  } finally {
    r.stop();
  }
});

// Fake faults: the first read of the message fails as a dropped connection does, or is
// answered 401 as a loaded server answers when it cannot fetch the reader's WebID document
// to check its token (the real server cannot be made to do either on demand).
const FAULTS: Array<[string, () => Response]> = [
  ['a dropped connection', () => {
    throw new TypeError('fetch failed');
  }],
  ['a 401 to the owner\'s own token', () => new Response(null, { status: 401 })],
];

for (const [index, [fault, fail]] of FAULTS.entries()) test(`a message whose read meets ${fault} is read again after a backoff, without a listing`, { timeout: 60_000 }, async () => {
  let failed = 0;
  const { fetch: counted, counts } = countingFetch();
  const fetch: Fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if ((init?.method ?? 'GET') === 'GET' && url.startsWith(inbox) && url !== inbox && failed++ === 0) return fail();
    return counted(input, init);
  };
  let arrived: (m: Message) => void;
  const message = new Promise<Message>((resolve) => (arrived = resolve));
  const r: InboxReader = new InboxReader({
    fetch, inbox, notifications: 'websocket', pollMs: 500, safetyNetMs: HOUR, retry: DEFAULT_RETRY,
    processedFile: join(stateDir, `transient-${index}-processed.txt`),
    onMessage: async (url, read) => {
      if (!(read instanceof Error)) return arrived(read);
      assert.ok(r.retryLater(url, read), `${fault} is not read again: ${read.message}`);
    },
    log: () => undefined,
  });
  let posted: string | undefined;
  await r.start();
  try {
    const query = new URL(`podagg/queries/q-transient-${index}`, inbox).href;
    const sent = signMessage<Announcement>(
      { type: 'Announcement', query, plan: `${query}-plan`, sender: sender.webId, recipient: owner.webId, sentAt: new Date().toISOString() },
      generateKeys().ed25519.secretKey,
    );
    posted = await postTurtle(sender.fetch, inbox, serializeMessage(sent));
    assert.equal((await message).query, query);
    assert.equal(failed, 2, 'read once more after the failure');
    assert.equal(counts.listings, 0, 'the inbox was listed');
  } finally {
    r.stop();
    if (posted) await deleteResource(owner.fetch, posted);
  }
});

test('a refused subscription falls back to polling and says why', async () => {
  const refused = (url: string, method: string) =>
    method === 'POST' && url.includes('/.notifications/WebSocketChannel2023/') ? new Response('no', { status: 403 }) : undefined;
  const { fetch, nextListing } = countingFetch(refused);
  const { reader: r } = reader(fetch, 'websocket', 'refused');
  const polled = nextListing();
  const watch = await r.start();
  try {
    assert.equal(watch.mode, 'polling');
    assert.match(watch.summary, /^polling every 500 ms \(no WebSocketChannel2023: subscribing at \S+ answered 403\)$/);
    await polled;
  } finally {
    r.stop();
  }
});

test('each agent reports how it learns of messages, in the journal and on the console of agent run', async () => {
  const cases: Array<[NotificationPreference, NotificationMode, RegExp]> = [
    ['auto', 'streaming', /: notifications over the server's streaming HTTP channel$/],
    ['websocket', 'websocket', /: notifications over a WebSocketChannel2023 subscription \(found by discovery\)$/],
    ['polling', 'polling', /: polling every 500 ms \(as asked\)$/],
  ];
  const hosts = cases.map(([notifications]) => new AgentHost({ stateDir: join(stateDir, notifications), notifications }));
  const printed = mock.method(console, 'log', () => undefined);
  for (const host of hosts) host.journal.on('event', printEvent(false));
  try {
    await Promise.all(hosts.map((host, i) => host.add([fleet.credentials[i + 2]])));
    for (const [i, [preference, mode, text]] of cases.entries()) {
      const { webId } = fleet.credentials[i + 2];
      const journal = parseEvents(readFileSync(hosts[i].journal.file, 'utf8')).filter((e) => e.kind === 'watching');
      assert.equal(journal.length, 1, preference);
      assert.equal(journal[0].webId, webId);
      assert.equal(journal[0].notifications, mode, preference);
      assert.match(journal[0].text, text);
      const lines = printed.mock.calls.map((c) => String(c.arguments[0]));
      assert.ok(lines.some((line) => / watching +watching inbox /.test(line) && text.test(line)), `agent run printed no line for ${preference}`);
    }
  } finally {
    printed.mock.restore();
    await Promise.all(hosts.map((host) => host.stop()));
  }
});
