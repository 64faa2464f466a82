// A 401 to the agent's own token is asked again a few times (agent/solid/refused-token.ts).
// The fetch below is a fake: a real server answers 401 to a valid token only when it is too
// loaded to fetch the requester's WebID document, which cannot be produced on demand. The
// pauses go through an injected sleep, so nothing here waits on the clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askAgainAfter401, REFUSED_TOKEN_RETRY } from '../agent/solid/refused-token.ts';

type Call = { url: string; method: string; body: unknown };

/** A fetch that answers the statuses given, in turn, and records what it was asked. */
function scripted(statuses: number[]) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', body: init?.body });
    return new Response('body', { status: statuses[Math.min(calls.length, statuses.length) - 1] });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const noWait = (pauses: number[]) => async (ms: number) => void pauses.push(ms);

test('a POST answered 401 twice is sent again, the same body each time, and its third answer is the caller\'s', async () => {
  const { fetch, calls } = scripted([401, 401, 201]);
  const pauses: number[] = [];
  const response = await askAgainAfter401(fetch, { sleep: noWait(pauses) })('http://pod.example/inbox/', { method: 'POST', body: '<#m> <#says> "hi" .' });
  assert.equal(response.status, 201);
  assert.deepEqual(calls.map((c) => [c.method, c.body]), Array(3).fill(['POST', '<#m> <#says> "hi" .']));
  assert.equal(pauses.length, 2);
  assert.ok(pauses[0] >= 250 && pauses[0] <= 500 && pauses[1] >= 500 && pauses[1] <= 1000, `backoff ${pauses}`);
});

test('a 401 that lasts reaches the caller after the attempts are spent', async () => {
  const { fetch, calls } = scripted([401]);
  const response = await askAgainAfter401(fetch, { sleep: noWait([]) })('http://pod.example/data/steps.ttl');
  assert.equal(response.status, 401);
  assert.equal(calls.length, REFUSED_TOKEN_RETRY.attempts);
});

test('a 403, a 404 and a 500 are the caller\'s at once: only a refused token may pass', async () => {
  for (const status of [403, 404, 500]) {
    const { fetch, calls } = scripted([status, 200]);
    assert.equal((await askAgainAfter401(fetch, { sleep: noWait([]) })('http://pod.example/x')).status, status);
    assert.equal(calls.length, 1, `${status} asked again`);
  }
});

test('a body that cannot be sent twice (a stream) is not sent again', async () => {
  const { fetch, calls } = scripted([401, 201]);
  const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('x')), c.close()) });
  const response = await askAgainAfter401(fetch, { sleep: noWait([]) })('http://pod.example/inbox/', { method: 'POST', body, duplex: 'half' } as RequestInit);
  assert.equal(response.status, 401);
  assert.equal(calls.length, 1);
});

test('a request aborted during the pause rejects with the abort and is not sent again', async () => {
  const { fetch, calls } = scripted([401, 200]);
  const controller = new AbortController();
  const sleep = async (_ms: number, signal?: AbortSignal) => {
    controller.abort(new Error('the attempt timed out'));
    assert.ok(signal?.aborted, 'the pause is given the request\'s signal');
    throw signal.reason;
  };
  await assert.rejects(askAgainAfter401(fetch, { sleep })('http://pod.example/x', { signal: controller.signal }), /the attempt timed out/);
  assert.equal(calls.length, 1);
});

test('with its own pause, a request aborted after a 401 rejects at once', async () => {
  const controller = new AbortController();
  const { fetch: inner, calls } = scripted([401, 200]);
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await inner(input, init);
    controller.abort(new Error('stopping'));
    return response;
  }) as typeof globalThis.fetch;
  await assert.rejects(askAgainAfter401(fetch)('http://pod.example/x', { signal: controller.signal }), /stopping/);
  assert.equal(calls.length, 1);
});
