// The agent's inbox: list what arrived, read one message under a size limit (checked
// before parsing), and post messages into peers' inboxes with retries.

import { containerMembers } from '../../query-vocab/index.ts';
import { MAX_MESSAGE_BYTES, parseMessage, serializeMessage } from '../../query-vocab/index.ts';
import type { Message } from '../../query-vocab/index.ts';
import { PodError, getTurtle, postTurtle, type Fetch } from './pod.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.ts';

export async function listInbox(fetch: Fetch, inbox: string): Promise<string[]> {
  return containerMembers(await getTurtle(fetch, inbox), inbox);
}

/** Reads and parses one message; throws a readable error for oversized or malformed ones. */
export async function readMessage(fetch: Fetch, url: string): Promise<Message> {
  const response = await fetch(url, { headers: { accept: 'text/turtle' } });
  if (!response.ok) throw new PodError(response.status, `GET ${url} answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_MESSAGE_BYTES) {
    await response.body?.cancel();
    throw new Error(`message ${url} is ${declared} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`);
  }
  const text = await readLimited(response, MAX_MESSAGE_BYTES, url);
  return parseMessage(text, url);
}

async function readLimited(response: Response, limit: number, url: string): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`message ${url} is over the ${limit}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Posts a message under the retry policy (DEFAULT_RETRY): each attempt times out, network
 * errors and 5xx answers are retried with capped backoff and jitter, a 4xx answer is
 * final. Throws once every attempt failed.
 */
export async function deliver(fetch: Fetch, inbox: string, message: Message | string, policy: RetryPolicy = DEFAULT_RETRY, slug?: string): Promise<string> {
  const body = typeof message === 'string' ? message : serializeMessage(message);
  return withRetry(policy, (signal) => postTurtle(fetch, inbox, body, slug, signal));
}
