// CSS's streaming HTTP channel (advertised in a resource's Link header, no subscription):
// one long GET whose body streams a Turtle notification per change, each naming the new
// resource, which goes to `onMessages` without listing the inbox. A dropped stream is
// reopened after a pause; `onGap` hears of the drop at once, for a watcher that keeps what
// it read only while the stream is up.

import type { InboxHandlers } from './inbox-watch.ts';
import type { Channel } from './notifications.ts';
import type { Fetch } from './pod.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function openStreamingChannel(fetch: Fetch, channel: string, inbox: string, handlers: InboxHandlers & { onGap?(): void }): Channel {
  const abort = new AbortController();
  let stopped = false;
  const open = async (): Promise<void> => {
    const decoder = new TextDecoder();
    // Reopening backs off (1 s doubling to 8 s) while the server stays away.
    let pause = 1000;
    while (!stopped) {
      try {
        const response = await fetch(channel, { signal: abort.signal, headers: { accept: 'text/turtle' } });
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
      handlers.onGap?.();
      if (!stopped) await sleep(pause);
      pause = Math.min(8000, pause * 2);
    }
  };
  void open();
  return {
    stop: () => {
      stopped = true;
      abort.abort();
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
