// Notifications by discovery (the Solid Notifications Protocol): a storage description
// names subscription services; the one for WebSocketChannel2023 takes a subscription made
// with the agent's own fetch (the server checks that it may read the topic) and answers
// with a socket to receive from. A channel lives as long as its socket, so a closed socket
// is replaced by a new subscription, with backoff while the server is away. Node 20 has no
// global WebSocket; undici's is the implementation Node 22 exposes as the global one.

import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'undici';
import { NOTIFY, parseActivity, parseSubscription, subscriptionRequest, subscriptionServices, type Activity } from '../../query-vocab/index.ts';
import { PodError, getTurtle, type Fetch } from './pod.ts';

export interface ChannelHandlers {
  onActivity(activity: Activity): void;
  /** A new socket replaced a closed one: what happened in between was not notified. */
  onReopen(): void;
}

export interface Channel {
  stop(): void;
}

/** The storage description's WebSocketChannel2023 subscription service; throws naming what is missing. */
export async function webSocketService(fetch: Fetch, storageDescription: string): Promise<string> {
  const turtle = await getTurtle(fetch, storageDescription);
  const [service] = subscriptionServices(turtle, storageDescription, NOTIFY.WebSocketChannel2023);
  if (!service) throw new Error(`the storage description ${storageDescription} offers no WebSocketChannel2023 subscription`);
  return service;
}

/** Subscribes to `topic` at `service`; returns the socket URL to receive from. */
async function subscribe(fetch: Fetch, service: string, topic: string): Promise<string> {
  const response = await fetch(service, {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json', accept: 'application/ld+json' },
    body: subscriptionRequest(NOTIFY.WebSocketChannel2023, topic),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new PodError(response.status, `subscribing at ${service} answered ${response.status}`);
  }
  return parseSubscription(await response.text(), service);
}

/** Subscribes and opens the socket (throwing if either fails), then keeps a socket open until stopped. */
export async function openWebSocketChannel(fetch: Fetch, service: string, topic: string, handlers: ChannelHandlers): Promise<Channel> {
  const stopping = new AbortController();
  let socket: WebSocket | undefined;
  const connect = async (): Promise<void> => {
    const opened = await openSocket(await subscribe(fetch, service, topic), handlers.onActivity);
    if (stopping.signal.aborted) return opened.close();
    socket = opened;
    opened.addEventListener('close', () => void reconnect(), { once: true });
  };
  const reconnect = async (): Promise<void> => {
    // 1 s doubling to 8 s while the server stays away, as for the streaming channel.
    for (let pause = 1000; !stopping.signal.aborted; pause = Math.min(8000, pause * 2)) {
      try {
        await sleep(pause, undefined, { signal: stopping.signal });
        await connect();
        if (!stopping.signal.aborted) handlers.onReopen();
        return;
      } catch {
        // stopped, or the server is still away: the safety-net listing covers the gap
      }
    }
  };
  await connect();
  return {
    stop: () => {
      stopping.abort();
      socket?.close();
    },
  };
}

/** Resolves once the socket is open; frames that are not notifications are ignored. */
function openSocket(url: string, onActivity: (activity: Activity) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.addEventListener('open', () => resolve(socket), { once: true });
    // After 'open' this rejects a settled promise: no effect.
    socket.addEventListener('close', () => reject(new Error(`the notification socket ${url} closed before it opened`)), { once: true });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let activity: Activity;
      try {
        activity = parseActivity(event.data);
      } catch {
        return; // e.g. CSS's "Notification channel has expired" before it closes the socket
      }
      onActivity(activity);
    });
  });
}
