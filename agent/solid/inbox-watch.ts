// How the agent learns of new messages, in order of preference: the server's streaming
// HTTP channel where the inbox advertises one (CSS's own: one request, no subscription),
// a WebSocketChannel2023 subscription found by discovery (any server implementing the
// Solid Notifications Protocol), and listing the inbox every `pollMs` when neither works.
// Beside a channel, a listing every `safetyNetMs` catches what a notification missed. The
// watch says which mode it chose and why it passed over the ones preferred to it.

import { getLinkedResourceUrlAll, getResourceInfo } from '@inrupt/solid-client';
import { AS, SOLID } from '../../query-vocab/index.ts';
import { openWebSocketChannel, webSocketService, type Channel } from './notifications.ts';
import type { Fetch } from './pod.ts';
import { openStreamingChannel } from './streaming-channel.ts';

export type NotificationMode = 'streaming' | 'websocket' | 'polling';
/** 'auto' takes the first mode that works, in the order above; any other tries that mode, then polls. */
export type NotificationPreference = 'auto' | NotificationMode;
export const NOTIFICATION_PREFERENCES: readonly NotificationPreference[] = ['auto', 'streaming', 'websocket', 'polling'];

export interface InboxHandlers {
  /** Messages a notification named: read them without listing the inbox. */
  onMessages(urls: string[]): void;
  /** List the inbox: a notification named no message, a channel came back after a gap, or the period is up. */
  onPoll(): void;
}

export interface WatchOptions {
  notifications: NotificationPreference;
  /** Listing period without a channel. */
  pollMs: number;
  /** Listing period beside a channel. */
  safetyNetMs: number;
}

export interface InboxWatch {
  readonly mode: NotificationMode;
  /** The mode in a sentence, with why the modes preferred to it were passed over. */
  readonly summary: string;
  stop(): void;
}

/** Activities that may bring a message; a removal never does (it is the agent's own deletion). */
const ARRIVALS = new Set([AS.Add, AS.Create, AS.Update]);

export async function watchInbox(fetch: Fetch, inbox: string, handlers: InboxHandlers, o: WatchOptions): Promise<InboxWatch> {
  const links = getLinkedResourceUrlAll(await getResourceInfo(inbox, { fetch }));
  const wants = (mode: NotificationMode) => o.notifications === 'auto' || o.notifications === mode;
  const passedOver: string[] = [];
  let channel: Channel | undefined;
  let mode: NotificationMode = 'polling';
  if (wants('streaming')) {
    const streaming = links[SOLID.updatesViaStreamingHttp2023]?.[0];
    if (streaming) [channel, mode] = [openStreamingChannel(fetch, streaming, inbox, handlers), 'streaming'];
    else passedOver.push('the inbox advertises no streaming HTTP channel');
  }
  if (!channel && wants('websocket')) {
    try {
      [channel, mode] = [await webSocketChannel(fetch, inbox, links[SOLID.storageDescription]?.[0], handlers), 'websocket'];
    } catch (error) {
      passedOver.push(`no WebSocketChannel2023: ${(error as Error).message}`);
    }
  }
  const timer = setInterval(() => handlers.onPoll(), channel ? o.safetyNetMs : o.pollMs);
  const how = {
    streaming: "notifications over the server's streaming HTTP channel",
    websocket: 'notifications over a WebSocketChannel2023 subscription (found by discovery)',
    polling: `polling every ${o.pollMs} ms`,
  }[mode];
  const why = passedOver.length ? passedOver.join('; ') : mode === 'polling' ? 'as asked' : '';
  return {
    mode,
    summary: why ? `${how} (${why})` : how,
    stop: () => {
      channel?.stop();
      clearInterval(timer);
    },
  };
}

async function webSocketChannel(fetch: Fetch, inbox: string, storageDescription: string | undefined, handlers: InboxHandlers): Promise<Channel> {
  if (!storageDescription) throw new Error('the inbox links no storage description');
  const service = await webSocketService(fetch, storageDescription);
  return openWebSocketChannel(fetch, service, inbox, {
    onActivity: ({ type, object }) => {
      if (!ARRIVALS.has(type)) return;
      // A change to the inbox itself names no message: list it.
      if (isMember(object, inbox)) handlers.onMessages([object]);
      else handlers.onPoll();
    },
    onReopen: () => handlers.onPoll(),
  });
}

/** Whether `url` names a resource directly in `container`. */
export const isMember = (url: string, container: string) => url.startsWith(container) && url.length > container.length && !url.slice(container.length).includes('/');
