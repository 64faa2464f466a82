// How the agent retries a request to a pod: each attempt under a time limit, a capped
// exponential backoff with jitter between attempts, and a bounded number of attempts. A
// slow or failing pod so costs a known number of requests, spread out in time, and the
// agents that wait on one pod do not retry in step (no retry storm). The time limit doubles
// from one attempt to the next, as TCP backs off its retransmission timer (RFC 6298, 5.5):
// a server whose queue holds requests longer than the first limit is given the time it
// takes, where a fixed limit would abandon every attempt and pile retries onto that queue.

import { PodError } from './pod.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Time limit of the first attempt; it doubles with each further one... */
  timeoutMs: number;
  /** ...up to this cap. */
  timeoutCapMs: number;
  /** The pause after the first failure; it doubles after each further one... */
  baseMs: number;
  /** ...up to this cap. */
  capMs: number;
}

/**
 * Seven attempts with pauses of about 0.5, 1, 2, 4, 8 and 8 s (each between half and all
 * of that): a pod or server unreachable for up to about 12 s loses nothing, and one that
 * refuses connections is given up on within about 25 s. Time limits of 8, 16, 32 and then
 * 64 s: a server that accepts requests and never answers is given up on after about 5 min.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 7, timeoutMs: 8_000, timeoutCapMs: 64_000, baseMs: 500, capMs: 8_000 };

/** The time limit of attempt n (from 0). */
export function attemptTimeoutMs(policy: RetryPolicy, n: number): number {
  return Math.min(policy.timeoutCapMs, policy.timeoutMs * 2 ** n);
}

/** The pause after failed attempt n (from 0): half of min(cap, base·2ⁿ) fixed, half random. */
export function backoffMs(policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, n: number, random: () => number = Math.random): number {
  const full = Math.min(policy.capMs, policy.baseMs * 2 ** n);
  return full / 2 + (random() * full) / 2;
}

/** Whether asking again could change the answer: network errors, time-outs, 5xx and 429. */
export function isTransient(error: unknown): boolean {
  if (error instanceof PodError) return error.status >= 500 || error.status === 429;
  if (error instanceof DOMException) return error.name === 'TimeoutError' || error.name === 'AbortError';
  if (error instanceof TypeError) return true; // fetch's network errors
  // An error that explains another (e.g. an unreadable peer profile) is as transient as its cause.
  return error instanceof Error && error.cause !== undefined && isTransient(error.cause);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `task` until it succeeds, fails for good (`transient` says no), or the attempts are
 * spent; throws the last error. The task should pass `signal` to its requests.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  task: (signal: AbortSignal) => Promise<T>,
  transient: (error: unknown) => boolean | Promise<boolean> = isTransient,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task(AbortSignal.timeout(attemptTimeoutMs(policy, attempt)));
    } catch (error) {
      if (attempt + 1 >= policy.attempts || !(await transient(error))) throw error;
      await sleep(backoffMs(policy, attempt));
    }
  }
}
