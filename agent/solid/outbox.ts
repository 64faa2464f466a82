// Delivering what a run sends. The run keeps every send in its state until told it was
// delivered, so nothing here is saved: a send cut short by a crash is sent again when the
// run resumes. Each message is posted under the retry policy, at most `limit` at a time
// (an aggregator announcing to a zone of hundreds must not open hundreds of connections at
// once), and its outcome goes back to the run as 'delivered' or 'undeliverable'.

import { serializeMessage } from '../../query-vocab/index.ts';
import type { Message, WebId } from '../../query-vocab/index.ts';
import { deliver } from './inbox.ts';
import type { Fetch } from './pod.ts';
import type { RetryPolicy } from './retry.ts';
import { Semaphore } from './semaphore.ts';

export interface Parcel {
  query: string;
  /** The run's id for the send. */
  id: string;
  to: WebId;
  /** The recipient's inbox, from the run's directory; undefined when it has none there. */
  inbox: string | undefined;
  /** The name asked for (an announcement's, which says when its run is over). */
  slug?: string;
  message: Message;
}

export type DeliveryOutcome = { type: 'delivered' } | { type: 'undeliverable'; reason: string };

export class Outbox {
  private readonly sends: Semaphore;
  private stopped = false;

  constructor(
    private readonly fetch: Fetch,
    private readonly retry: RetryPolicy,
    private readonly onOutcome: (parcel: Parcel, outcome: DeliveryOutcome) => void,
    limit = 8,
  ) {
    this.sends = new Semaphore(limit);
  }

  post(parcel: Parcel): void {
    void this.deliver(parcel);
  }

  /** Outcomes are no longer reported: what is still in flight stays owed, and is sent again on resume. */
  stop(): void {
    this.stopped = true;
  }

  private async deliver(parcel: Parcel): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      const { inbox } = parcel;
      if (!inbox) throw new Error(`${parcel.to} is not in the run's directory`);
      await this.sends.with(() => deliver(this.fetch, inbox, serializeMessage(parcel.message), this.retry, parcel.slug));
      outcome = { type: 'delivered' };
    } catch (error) {
      outcome = { type: 'undeliverable', reason: (error as Error).message };
    }
    if (!this.stopped) this.onOutcome(parcel, outcome);
  }
}
