// The end of a run as its querier's agent records it, for whoever drives queries in the
// same process (the demo, `podagg train`).

import type { RunEvent } from './events.ts';
import type { AgentHost } from './host.ts';

/** The querier's 'result' or 'abort' event for a query. */
export function waitForEnd(host: AgentHost, querier: string, query: string): Promise<RunEvent> {
  return new Promise((resolve) => {
    const listener = (e: RunEvent) => {
      if (e.query === query && e.webId === querier && (e.kind === 'result' || e.kind === 'abort')) {
        host.journal.off('event', listener);
        resolve(e);
      }
    };
    host.journal.on('event', listener);
  });
}
