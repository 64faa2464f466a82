// A 401 answered to a request that carried the agent's own token. A Community Solid Server
// checks a token by fetching the requester's WebID document for its issuer; when it is too
// loaded to do so in time it answers 401, and the same request a moment later passes. In a
// 1000-pod run 13 members refused their own run over one such read of their registration,
// 8 deliveries were given up and 2 evaluations failed. An authenticated request the server
// will not allow is answered 403, so a 401 here is asked again, a few times, before the
// caller sees it; a token that has truly lapsed still surfaces within seconds.

import { setTimeout as wait } from 'node:timers/promises';
import type { Fetch } from './pod.ts';
import { backoffMs, type RetryPolicy } from './retry.ts';

type Backoff = Pick<RetryPolicy, 'attempts' | 'baseMs' | 'capMs'>;

/** Four attempts, with pauses of 0.25–0.5, 0.5–1 and 1–2 s between them. */
export const REFUSED_TOKEN_RETRY: Backoff = { attempts: 4, baseMs: 500, capMs: 2_000 };

export interface AskAgainOptions {
  policy?: Backoff;
  /** Waits out a pause; rejects when `signal` aborts. A test drives it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** `fetch`, asking again after a 401 while the attempts last, unless the body cannot be sent twice. */
export function askAgainAfter401(fetch: Fetch, o: AskAgainOptions = {}): Fetch {
  const { policy = REFUSED_TOKEN_RETRY, sleep = pause } = o;
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(input, init);
      if (response.status !== 401 || attempt + 1 >= policy.attempts || !resendable(input, init)) return response;
      // A body whose stream already failed is as good as read: the 401 is what counts.
      await response.body?.cancel().catch(() => undefined);
      await sleep(backoffMs(policy, attempt), init?.signal ?? undefined);
    }
  };
}

/** A string, bytes or no body can be sent again; a stream is spent. */
function resendable(input: Parameters<Fetch>[0], init: Parameters<Fetch>[1]): boolean {
  if (input instanceof Request) return input.body === null;
  const body = init?.body;
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

/** Rejects as fetch does when `signal` aborts: with its reason. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal });
  } catch (error) {
    throw signal?.reason ?? error;
  }
}
