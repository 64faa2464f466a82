// The owner's consent policy as the agent decides with it: read once, then kept for as long
// as the server streams the document's changes (CSS's streaming HTTP channel, advertised on
// the document itself, no subscription), so a member's consent costs no policy read per
// query. A change, the stream opening or dropping, or a change during a read makes the next
// decision read the policy again; without a channel every decision reads it.

import LinkHeader from 'http-link-header';
import { parseConsentPolicy, SOLID, type ConsentPolicy } from '../../query-vocab/index.ts';
import { podLayout } from './layout.ts';
import type { Channel } from './notifications.ts';
import { expectOk, type Fetch } from './pod.ts';
import { openStreamingChannel } from './streaming-channel.ts';

export class PolicySource {
  private kept: { policy: ConsentPolicy | undefined } | undefined;
  private channel: Channel | undefined;
  /** 'opened': the stream is up and its first notification (CSS's: the document as it is) not yet in. */
  private stream: 'down' | 'opened' | 'up' = 'down';
  /** Bumped by every change notified: a read that overlapped one is not kept. */
  private generation = 0;
  private stopped = false;
  private readonly url: string;

  constructor(private readonly fetch: Fetch, podUrl: string, private readonly log: (text: string) => void) {
    this.url = podLayout(podUrl).consentPolicy;
  }

  /** The policy, or undefined when the owner has set none. */
  async read(): Promise<ConsentPolicy | undefined> {
    if (this.kept) return this.kept.policy;
    const generation = this.generation;
    const response = await this.fetch(this.url, { headers: { accept: 'text/turtle' } });
    const policy = response.status === 404 ? undefined : parseConsentPolicy(await (await expectOk(response, `GET ${this.url}`)).text(), this.url);
    this.watch(response.headers.get('link'));
    if (this.stream !== 'down' && generation === this.generation) this.kept = { policy };
    return policy;
  }

  stop(): void {
    this.stopped = true;
    this.channel?.stop();
  }

  private watch(link: string | null): void {
    if (this.channel || this.stopped) return;
    const stream = LinkHeader.parse(link ?? '').rel(SOLID.updatesViaStreamingHttp2023)[0]?.uri;
    if (!stream) return;
    const forget = (next: typeof this.stream) => {
      if (this.stream === 'up' && next === 'up') this.log('consent policy changed: it is read again for the next decision');
      this.stream = next;
      this.generation++;
      this.kept = undefined;
    };
    // Opened (or back after a gap), what changed meanwhile is unknown; then every notification is a change.
    const notified = () => forget(this.stream === 'down' ? 'opened' : 'up');
    this.channel = openStreamingChannel(this.fetch, stream, this.url, { onPoll: notified, onMessages: notified, onGap: () => forget('down') });
  }
}
