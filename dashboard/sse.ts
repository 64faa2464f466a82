// GET /api/events: the journal as server-sent events, one `data:` line per new event,
// with a comment every 15 s so that proxies and browsers keep the stream open.

import type { Request, Response } from 'express';
import type { RunEvent } from '../agent/solid/events.ts';
import type { JournalTail } from '../agent/solid/journal-tail.ts';
import { publicEvent } from './public-event.ts';
import { runId } from './run-state.ts';

const HEARTBEAT_MS = 15_000;

export function eventStream(journal: JournalTail) {
  return (req: Request, res: Response): void => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const send = (e: RunEvent) => res.write(`data: ${JSON.stringify({ ...publicEvent(e), run: runId(e.query) })}\n\n`);
    const heartbeat = setInterval(() => res.write(': alive\n\n'), HEARTBEAT_MS);
    journal.on('event', send);
    req.on('close', () => {
      clearInterval(heartbeat);
      journal.off('event', send);
    });
  };
}
