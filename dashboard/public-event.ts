// The journal fields the API passes on, by name: whatever else a line might hold stays
// on the server. The journal holds no value or share by design; this keeps it so.

import type { RunEvent } from '../agent/solid/events.ts';

const FIELDS = ['at', 'webId', 'query', 'kind', 'messageType', 'peer', 'group', 'position', 'accepted', 'reason', 'plan', 'result', 'text'] as const;

export type PublicEvent = Pick<RunEvent, (typeof FIELDS)[number]>;

export function publicEvent(e: RunEvent): PublicEvent {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) if (e[field] !== undefined) out[field] = e[field];
  return out as PublicEvent;
}
