// The bare request floor: the requests a podagg run made, as the server logged them, made
// again against the same server with no protocol in between, as fast as it answers them
// (up to 64 in flight). What podagg takes beyond this is its own waiting and work.
//
// Each agent makes its own requests again (its own session; anonymous reads stay
// anonymous). A message is a round: its sender POSTs into the recipient's inbox, the
// recipient GETs and DELETEs what was posted. Other writes go to a scratch container in the
// writer's pod, so nothing the agents read later changes. Notification streams and log-ins
// are left out: they are not per-run work.

import { podLayout } from '../agent/solid/layout.ts';
import { ensureContainer } from '../agent/solid/pod.ts';
import { Semaphore } from '../agent/solid/semaphore.ts';
import type { AgentSession } from '../agent/solid/session.ts';
import { taggedFetch } from '../agent/solid/tagged-fetch.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import type { LoggedRequest } from '../solid-server/request-log.ts';
import { kindOf, type Kind } from './requests.ts';

const IN_FLIGHT = 64;
/** About a sealed share of a small query, as Turtle (also the solid section's message). */
export const BODY = `<> <urn:podagg:bench#payload> "${'A'.repeat(900)}" .\n`;
/** Read by anyone: the run made them without the owner's credentials. */
const ANONYMOUS: Kind[] = ['profile', 'query/plan', 'presence check'];
/** Not per-run work, or made as part of a message's round. */
const LEFT_OUT: Kind[] = ['notification', 'auth', 'message GET', 'message DELETE'];

export interface Floor {
  ms: number;
  /** Requests made again (a message round counts three). */
  requests: number;
}

export async function requestFloor(log: LoggedRequest[], credentials: Credential[], sessions: Map<string, AgentSession>): Promise<Floor> {
  const ownerOfInbox = new Map(credentials.map((c) => [podLayout(c.podUrl).inbox, c.webId]));
  const scratch = new Map(credentials.map((c) => [c.webId, new URL('podagg/floor/', c.podUrl).href]));
  const writers = new Set(log.filter((r) => r.agent && r.method !== 'GET' && r.method !== 'HEAD' && kindOf(r) !== 'message POST').map((r) => r.agent!));
  for (const w of writers) {
    const session = sessions.get(w);
    if (session) await ensureContainer(session.fetch, scratch.get(w)!);
  }
  const slots = new Semaphore(IN_FLIGHT);
  const fetchOf = (webId: string, kind: Kind) => (ANONYMOUS.includes(kind) ? taggedFetch(globalThis.fetch, webId) : sessions.get(webId)?.fetch);
  let requests = 0;
  const call = async (fetch: typeof globalThis.fetch, url: string, init: RequestInit = {}): Promise<Response> => {
    const response = await slots.with(() => fetch(url, init));
    await response.body?.cancel();
    requests++;
    return response;
  };
  const tasks = log.filter((r) => r.agent && !LEFT_OUT.includes(kindOf(r))).map(async (r) => {
    const kind = kindOf(r);
    const fetch = fetchOf(r.agent!, kind);
    if (!fetch) return;
    if (kind === 'message POST') {
      const owner = sessions.get(ownerOfInbox.get(r.url) ?? '');
      if (!owner) return;
      const posted = await call(fetch, r.url, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: BODY });
      const url = new URL(posted.headers.get('location') ?? '', r.url).href;
      await call(owner.fetch, url, { headers: { accept: 'text/turtle' } });
      await call(owner.fetch, url, { method: 'DELETE' });
      return;
    }
    const own = scratch.get(r.agent!)!;
    if (r.method === 'PUT' || r.method === 'PATCH') {
      await call(fetch, `${own}${requests}-${Math.random().toString(36).slice(2)}`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: BODY });
      return;
    }
    if (r.method === 'POST') {
      await call(fetch, own, { method: 'POST', headers: { 'content-type': 'text/turtle' }, body: BODY });
      return;
    }
    await call(fetch, r.url, { method: r.method, headers: { accept: 'text/turtle' } });
  });
  const started = performance.now();
  await Promise.all(tasks);
  return { ms: performance.now() - started, requests };
}
