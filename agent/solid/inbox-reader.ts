// Reading the agent's inbox: it learns of new messages from notifications (or by polling),
// reads each one at most once under the size limit, a few at a time, and hands it to the
// driver. A message handled is added to the processed set (processed.txt, appended) after
// the run's state is saved, so after a crash it is either handled or read again (and then
// dropped by the run as a replay), and only then deleted from the inbox: the listing stays
// as small as what is still to handle, however many queries the agent served, and a copy
// posted again is refused by the run's replay guard, which keeps the digests. A message
// that failed only because a pod was away stays unprocessed and is read again after a
// backoff: a few times at most, so an IRI that never answers costs a bounded number of
// requests. The same reader watches a population's announcements, which it reads once and
// never deletes (the population's owner prunes those of runs over).

import { appendFileSync, readFileSync } from 'node:fs';
import type { Message } from '../../query-vocab/index.ts';
import { listInbox, readMessage } from './inbox.ts';
import { isMember, watchInbox, type InboxWatch, type NotificationPreference } from './inbox-watch.ts';
import { PodError, deleteResource, errorText, type Fetch } from './pod.ts';
import { backoffMs, isTransient, withRetry, type RetryPolicy } from './retry.ts';
import { Semaphore } from './semaphore.ts';

export interface InboxReaderOptions {
  fetch: Fetch;
  inbox: string;
  /** Where the processed set is kept. */
  processedFile: string;
  retry: RetryPolicy;
  /** Listing period when the server offers no notification channel. */
  pollMs: number;
  /** How to learn of new messages (inbox-watch.ts); 'auto' by default. */
  notifications?: NotificationPreference;
  /** Listing period beside a notification channel, as a safety net; SAFETY_NET_MS by default. */
  safetyNetMs?: number;
  /** Never delete what was handled (a container others read too: the population's announcements). */
  keep?: boolean;
  /** Messages not worth reading, by name (announcements of runs already over). */
  skip?(url: string): boolean;
  /** Members a listing deletes unread (the owner's announcements of runs over: the container stays small). */
  prune?(url: string): boolean;
  /** A message read (or the error reading it); the handler marks it processed, or leaves it for later. */
  onMessage(url: string, read: Message | Error): Promise<void>;
  log(text: string): void;
}

/**
 * The safety-net listing while notifications come. A channel that drops lists the inbox as
 * soon as it is back, so the net is for the rare notification lost while it stayed up. Its
 * cost falls on the server whether the agent is busy or idle: 1000 agents listing an inbox
 * and an announcements container every 30 s make 67 requests a second, more than half of
 * one core for a Community Solid Server, and at that period the listings were a third of a
 * contributor's requests in a 300-pod run on this machine.
 */
const SAFETY_NET_MS = 300_000;

export class InboxReader {
  private readonly processed = new Set<string>();
  private readonly reading = new Set<string>();
  private readonly transientFailures = new Map<string, number>();
  /** Reads again after a transient failure, each waiting out its backoff. */
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly reads = new Semaphore(8);
  /** Deletions under way, by message; and messages that cannot be deleted (not tried again). */
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly undeletable = new Set<string>();
  private watch: InboxWatch | undefined;
  private listing = false;
  private again = false;
  private stopped = false;

  constructor(private readonly o: InboxReaderOptions) {
    for (const line of readLines(o.processedFile)) this.processed.add(line);
  }

  async start(): Promise<InboxWatch> {
    const handlers = { onMessages: (urls: string[]) => urls.forEach((u) => void this.read(u)), onPoll: () => void this.list() };
    const { notifications = 'auto', safetyNetMs = SAFETY_NET_MS, pollMs } = this.o;
    this.watch = await watchInbox(this.o.fetch, this.o.inbox, handlers, { notifications, pollMs, safetyNetMs });
    // Stopped while the watch was being set up: nothing may outlive the agent.
    if (this.stopped) this.watch.stop();
    return this.watch;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    for (const timer of this.retries) clearTimeout(timer);
  }

  isProcessed(url: string): boolean {
    return this.processed.has(url);
  }

  markProcessed(url: string): void {
    this.processed.add(url);
    appendFileSync(this.o.processedFile, url + '\n');
    if (!this.o.keep) this.remove(url);
  }

  /** Resolves once every processed message so far has been deleted (or given up on). */
  async settled(): Promise<void> {
    while (this.deleting.size) await Promise.all(this.deleting.values());
  }

  private remove(url: string): void {
    if (this.deleting.has(url) || this.undeletable.has(url) || this.stopped) return;
    const deleting = withRetry(this.o.retry, (signal) => this.reads.with(() => deleteResource(this.o.fetch, url, signal)))
      .catch((error: Error) => {
        // Still processed, so never handled twice; a later listing tries again unless it is for good.
        if (!isTransient(error)) this.undeletable.add(url);
        this.o.log(`could not delete ${url}: ${error.message}`);
      })
      .finally(() => this.deleting.delete(url));
    this.deleting.set(url, deleting);
  }

  /**
   * Whether a message whose reading or handling failed with `error` is to be read again. It
   * is, after the retry policy's backoff: waiting for the next listing lost 164 of 300 members
   * of one run, whose reads of the same announcement failed at the same instant. Once those
   * retries are spent (a server down for longer), it waits for listings, as many times more:
   * the listing made when the notification channel comes back finds it. A 401 counts as a
   * failure that may pass: the reader reads with its owner's token, and a loaded server that
   * cannot fetch the owner's WebID document to check the token answers 401 (39 of 1000
   * members' reads of one announcement, all while their server timed out connections).
   */
  retryLater(url: string, error: unknown): boolean {
    if (!isTransient(error) && !(error instanceof PodError && error.status === 401)) return false;
    // Stopping: left unprocessed, for the next start.
    if (this.stopped) return true;
    const failures = (this.transientFailures.get(url) ?? 0) + 1;
    this.transientFailures.set(url, failures);
    const { attempts } = this.o.retry;
    if (failures >= 2 * attempts) return false;
    if (failures >= attempts) {
      this.o.log(`will read ${url} again at the next listing: ${(error as Error).message}`);
      return true;
    }
    const pause = backoffMs(this.o.retry, failures - 1);
    this.o.log(`will read ${url} again in ${(pause / 1000).toFixed(1)} s: ${(error as Error).message}`);
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.read(url);
    }, pause);
    this.retries.add(timer);
    return true;
  }

  /** Lists the inbox and reads every message not yet handled; a call during a listing queues one more. */
  async list(): Promise<void> {
    if (this.stopped) return;
    if (this.listing) {
      this.again = true;
      return;
    }
    this.listing = true;
    this.again = false;
    try {
      const urls = await listInbox(this.o.fetch, this.o.inbox);
      // Handled before a crash (or a failed delete): its deletion is still owed.
      if (!this.o.keep) for (const url of urls) if (this.processed.has(url)) this.remove(url);
      // Deleting on the owner's credentials: only what the listing names directly in the container.
      for (const url of urls) if (isMember(url, this.o.inbox) && this.o.prune?.(url)) this.remove(url);
      await Promise.all(urls.sort().map((url) => this.read(url)));
    } catch (error) {
      this.o.log(`inbox unreadable: ${errorText(error)}`);
    } finally {
      this.listing = false;
    }
    if (this.again) await this.list();
  }

  private async read(url: string): Promise<void> {
    if (this.processed.has(url) || this.reading.has(url) || this.stopped || this.o.skip?.(url)) return;
    this.reading.add(url);
    try {
      const read = await this.reads.with(() => readMessage(this.o.fetch, url).catch((error: Error) => error));
      await this.o.onMessage(url, read);
    } finally {
      this.reading.delete(url);
    }
  }
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
