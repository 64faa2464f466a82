// Benchmarks host many agents in one process but count requests at the Solid server, as a
// deployment pays them. To tell the agents apart there, an isolated host has every agent
// name itself in a header on each request it makes, authenticated or not
// (solid-server/request-log.ts records it). It tells the server nothing an authenticated
// request does not already say.

import type { Fetch } from './pod.ts';

export const AGENT_HEADER = 'x-podagg-agent';

export function taggedFetch(fetch: Fetch, webId: string): Fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set(AGENT_HEADER, webId);
    return fetch(input, { ...init, headers });
  };
}
