// The agent's inbox: list what arrived, read one message under a size limit (checked
// before parsing), and post messages into peers' inboxes with retries.

import { getLinkedResourceUrlAll, getResourceInfo } from '@inrupt/solid-client';
import { containerMembers } from '../../query-vocab/container.ts';
import { SOLID } from '../../query-vocab/terms.ts';
import { MAX_MESSAGE_BYTES, parseMessage, serializeMessage } from '../../query-vocab/index.ts';
import type { Message } from '../../query-vocab/types.ts';
import { PodError, getTurtle, postTurtle, type Fetch } from './pod.ts';

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
 * Posts a message, retrying with exponential backoff and jitter on network errors and
 * 5xx answers; a 4xx answer is final. Throws once every attempt failed.
 */
export async function deliver(fetch: Fetch, inbox: string, message: Message, attempts = 4): Promise<string> {
  const body = serializeMessage(message);
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await postTurtle(fetch, inbox, body);
    } catch (error) {
      last = error;
      if (error instanceof PodError && error.status < 500) break;
      await sleep(200 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
  throw last;
}

export interface InboxWatch {
  /** How the agent learns of new messages: 'streaming' (Solid notifications) or 'polling'. */
  readonly mode: 'streaming' | 'polling';
  stop(): void;
}

/**
 * Calls `onChange` whenever the inbox may have changed: on every notification of the
 * server's streaming HTTP channel (Solid Notifications, advertised in the inbox's Link
 * header) and, as a safety net, every `pollMs`. Without a channel, polling every
 * `fallbackMs` alone. A dropped stream is reopened after a pause.
 */
export async function watchInbox(fetch: Fetch, inbox: string, onChange: () => void, pollMs: number, fallbackMs: number): Promise<InboxWatch> {
  const info = await getResourceInfo(inbox, { fetch });
  const channel = getLinkedResourceUrlAll(info)[SOLID.updatesViaStreamingHttp2023]?.[0];
  const abort = new AbortController();
  let stopped = false;
  const open = async (): Promise<void> => {
    while (!stopped) {
      try {
        const response = await fetch(channel!, { signal: abort.signal, headers: { accept: 'text/turtle' } });
        if (!response.ok || !response.body) throw new Error(`notification channel answered ${response.status}`);
        onChange();
        const reader = response.body.getReader();
        for (let next = await reader.read(); !next.done; next = await reader.read()) if (next.value.length) onChange();
      } catch {
        // the stream dropped or could not open: polling covers the gap until it is back
      }
      if (!stopped) await sleep(1000);
    }
  };
  if (channel) void open();
  const timer = setInterval(onChange, channel ? pollMs : fallbackMs);
  return {
    mode: channel ? 'streaming' : 'polling',
    stop: () => {
      stopped = true;
      abort.abort();
      clearInterval(timer);
    },
  };
}
