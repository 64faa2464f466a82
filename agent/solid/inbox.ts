// The agent's inbox: list what arrived, read one message under a size limit (checked
// before parsing), and post messages into peers' inboxes with retries.

import { getLinkedResourceUrlAll, getResourceInfo } from '@inrupt/solid-client';
import { containerMembers } from '../../query-vocab/index.ts';
import { SOLID } from '../../query-vocab/index.ts';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts a message under the retry policy (DEFAULT_RETRY): each attempt times out, network
 * errors and 5xx answers are retried with capped backoff and jitter, a 4xx answer is
 * final. Throws once every attempt failed.
 */
export async function deliver(fetch: Fetch, inbox: string, message: Message | string, policy: RetryPolicy = DEFAULT_RETRY): Promise<string> {
  const body = typeof message === 'string' ? message : serializeMessage(message);
  return withRetry(policy, (signal) => postTurtle(fetch, inbox, body, undefined, signal));
}

export interface InboxWatch {
  /** How the agent learns of new messages: 'streaming' (Solid notifications) or 'polling'. */
  readonly mode: 'streaming' | 'polling';
  stop(): void;
}

/**
 * Tells the agent of new messages. With the server's streaming HTTP channel (Solid
 * Notifications, advertised in the inbox's Link header) each notification names the new
 * resource, which goes to `onMessages` without listing the inbox; a full listing
 * (`onPoll`) runs every `pollMs` as a safety net, or every `fallbackMs` when the server
 * offers no channel. A dropped stream is reopened after a pause.
 */
export async function watchInbox(
  fetch: Fetch,
  inbox: string,
  handlers: { onMessages(urls: string[]): void; onPoll(): void },
  pollMs: number,
  fallbackMs: number,
): Promise<InboxWatch> {
  const info = await getResourceInfo(inbox, { fetch });
  const channel = getLinkedResourceUrlAll(info)[SOLID.updatesViaStreamingHttp2023]?.[0];
  const abort = new AbortController();
  let stopped = false;
  const open = async (): Promise<void> => {
    const decoder = new TextDecoder();
    // Reopening backs off (1 s doubling to 8 s) while the server stays away.
    let pause = 1000;
    while (!stopped) {
      try {
        const response = await fetch(channel!, { signal: abort.signal, headers: { accept: 'text/turtle' } });
        if (!response.ok || !response.body) throw new Error(`notification channel answered ${response.status}`);
        pause = 1000;
        // Opened (or reopened after a gap): list the inbox for what arrived meanwhile.
        handlers.onPoll();
        const reader = response.body.getReader();
        let buffered = '';
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          buffered += decoder.decode(next.value, { stream: true });
          const urls = membersNamed(buffered, inbox);
          // Keep the tail: a resource name may be cut between two chunks.
          buffered = buffered.slice(-200);
          // A notification that names no member still says something changed.
          if (urls.length) handlers.onMessages(urls);
          else handlers.onPoll();
        }
      } catch {
        // the stream dropped or could not open: the listing covers the gap until it is back
      }
      if (!stopped) await sleep(pause);
      pause = Math.min(8000, pause * 2);
    }
  };
  if (channel) void open();
  const timer = setInterval(() => handlers.onPoll(), channel ? pollMs : fallbackMs);
  return {
    mode: channel ? 'streaming' : 'polling',
    stop: () => {
      stopped = true;
      abort.abort();
      clearInterval(timer);
    },
  };
}

/** The inbox members a notification names (the inbox itself excluded). */
function membersNamed(text: string, inbox: string): string[] {
  const out = new Set<string>();
  for (let at = text.indexOf(inbox); at >= 0; at = text.indexOf(inbox, at + 1)) {
    const tail = text.slice(at + inbox.length);
    const rest = /^[^\s"'<>]+/.exec(tail)?.[0];
    // A name running to the end of the text may be cut: the next chunk completes it.
    if (rest && rest.length < tail.length && !rest.includes('/')) out.add(inbox + rest);
  }
  return [...out];
}
