// A fake for faults the real Solid server cannot produce on demand: an HTTP proxy in front
// of it that can delay or fail chosen requests (e.g. the POSTs into one pod's inbox) and
// counts every attempt. Everything else passes through unchanged, streamed both ways (the
// notification streams too). The server runs with the proxy's URL as its base URL.

import http, { type IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';

/** What to do with one request: pass it, answer it with a status, or hold it first. */
export type Fault = { status: number } | { delayMs: number } | undefined;

export interface ProxiedRequest {
  method: string;
  path: string;
  /** SHA-256 of the body: the same message posted again has the same digest. */
  digest: string;
  body: string;
  /** How many times this method, path and body came before (0 for the first attempt). */
  attempt: number;
}

export interface FaultProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Decides each request's fault; undefined passes it. */
  rule: (r: ProxiedRequest) => Fault;
  close(): Promise<void>;
}

export async function startFaultProxy(port: number, targetPort: number): Promise<FaultProxy> {
  const seen = new Map<string, number>();
  const proxy: FaultProxy = { url: `http://localhost:${port}/`, requests: [], rule: () => undefined, close: async () => undefined };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const digest = createHash('sha256').update(body).digest('hex');
    const key = `${req.method} ${req.url} ${digest}`;
    const attempt = seen.get(key) ?? 0;
    seen.set(key, attempt + 1);
    const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', digest, body: body.toString('utf8'), attempt };
    proxy.requests.push(request);
    const fault = proxy.rule(request);
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end('injected fault');
      return;
    }
    // A slow server: the request is held, then handled even if the client gave up waiting.
    if (fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    forward(req, body, targetPort, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  proxy.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

function forward(req: IncomingMessage, body: Buffer, targetPort: number, res: http.ServerResponse): void {
  const upstream = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    if (res.destroyed) return void answer.resume();
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  res.on('close', () => upstream.destroy());
  upstream.end(body);
}
