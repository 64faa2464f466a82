// The run journal: one JSON line per protocol step an agent takes, appended to
// <state>/events.jsonl and emitted in-process. The console log, `podagg query status`
// and the dashboard all read this one record; it never holds a value or a share.

import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { NotificationMode } from './inbox-watch.ts';

export type RunEventKind =
  | 'watching' // the agent started watching its inbox; `notifications` says how
  | 'published' // the querier wrote the query and plan
  | 'announced' // the agent learnt of a query
  | 'consent' // the agent decided; `accepted` and `reason` say how
  | 'contributed' // the agent sent its shares to its leaf group
  | 'received' // a message arrived and was accepted
  | 'sent' // the agent posted a message
  | 'rejected' // a message was refused; `reason` says why
  | 'failed' // a peer was found unreachable
  | 'result' // the querier published the result
  | 'abort' // the run ended without a result
  | 'log'; // any other protocol step

export interface RunEvent {
  at: string;
  webId: string;
  query: string;
  kind: RunEventKind;
  /** The message type for received/sent/rejected. */
  messageType?: string;
  /** The peer for received/sent/failed. */
  peer?: string;
  group?: string;
  position?: number;
  accepted?: boolean;
  reason?: string;
  /** The plan document for 'published' and 'announced'. */
  plan?: string;
  /** The result document for 'result'. */
  result?: string;
  /** How the agent learns of new messages, for 'watching'. */
  notifications?: NotificationMode;
  text: string;
}

export class EventLog extends EventEmitter<{ event: [RunEvent] }> {
  readonly file: string;

  constructor(stateDir: string) {
    super();
    // Every query under way has a waiter (query publish, the demo, the dashboard's streams).
    this.setMaxListeners(0);
    this.file = path.join(stateDir, 'events.jsonl');
    // Owner-only, as the XDG spec asks of the state folder it creates: keys/ and runs/ go here too.
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  }

  record(event: Omit<RunEvent, 'at'>): RunEvent {
    const full: RunEvent = { at: new Date().toISOString(), ...event };
    // Synchronous so that a killed agent never leaves half a line behind.
    appendFileSync(this.file, JSON.stringify(full) + '\n');
    this.emit('event', full);
    return full;
  }
}

/** Reads a journal, skipping a torn last line. */
export function parseEvents(text: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as RunEvent);
    } catch {
      // a line cut by a crash: the step it described did not complete
    }
  }
  return out;
}
