// Requests counted where a deployment pays them: at the Solid server. Each request the
// server on `port` answers appends one JSON line (time, method, path, status) to a file,
// which a benchmark reads back and classifies (bench/requests.ts). Several servers may
// share one file: each line is one small append.

import diagnostics from 'node:diagnostics_channel';
import { appendFileSync, readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AGENT_HEADER } from '../agent/solid/tagged-fetch.ts';

export interface LoggedRequest {
  /** Milliseconds since the epoch, when the answer finished. */
  at: number;
  method: string;
  /** Absolute URL as the client named it. */
  url: string;
  status: number;
  /** The agent that named itself on the request (agent/solid/tagged-fetch.ts), if any. */
  agent?: string;
}

/** Starts logging; returns the function that stops it. */
export function logRequests(port: number, file: string): () => void {
  const onFinish = (message: unknown) => {
    const { request, response, server } = message as { request: IncomingMessage; response: ServerResponse; server: Server };
    const address = server.address();
    if (typeof address !== 'object' || address?.port !== port) return;
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? `localhost:${port}`}`).href;
    const agent = request.headers[AGENT_HEADER];
    const line: LoggedRequest = { at: Date.now(), method: request.method ?? '', url, status: response.statusCode, ...(typeof agent === 'string' ? { agent } : {}) };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  diagnostics.subscribe('http.server.response.finish', onFinish);
  return () => diagnostics.unsubscribe('http.server.response.finish', onFinish);
}

export function readRequestLog(file: string): LoggedRequest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LoggedRequest);
}
