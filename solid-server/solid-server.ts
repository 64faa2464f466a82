// The embedded Community Solid Server: started in-process on a loopback port, in memory
// or on disk, from CSS's own preset configs compiled once (compiled-config.ts).

import diagnostics from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './compiled-config.ts';
import { logRequests } from './request-log.ts';

/**
 * Which server: CSS's presets `wac` (Web Access Control, in memory or on disk), `acp` (Access
 * Control Policies, on disk, as CSS ships it), `subdomains` (WAC in memory, each pod on a
 * host of its own: http://name.localhost:port/); or `nss`, the Node Solid Server (nss.ts).
 */
export type ServerKind = 'wac' | 'acp' | 'subdomains' | 'nss';

export const SERVER_KINDS: readonly ServerKind[] = ['wac', 'acp', 'subdomains', 'nss'];

export interface SolidServerOptions {
  port: number;
  /** Default `wac`. */
  kind?: ServerKind;
  /** Folder for the file backend; absent means in memory. */
  dataDir?: string;
  /** The URL clients use when it is not http://localhost:port/ (e.g. a proxy in front). */
  baseUrl?: string;
  /** A file that gets one JSON line per request answered (see request-log.ts): where a deployment pays them. */
  requestLog?: string;
}

export interface SolidServer {
  baseUrl: string;
  port: number;
  dataDir?: string;
  stop(): Promise<void>;
}

export async function startSolidServer(options: SolidServerOptions): Promise<SolidServer> {
  const baseUrl = options.baseUrl ?? `http://localhost:${options.port}/`;
  // CSS's own default configs with logging off (its error log names expected refusals). In
  // memory, CSS's internal data (locks above all) lives in memory too, not as resources of the
  // store: by default every request writes and deletes lock counts there, ~15 % of the server's
  // time, which buys nothing when nothing persists.
  const config = fileURLToPath(new URL(`css/${configName(options.kind ?? 'wac', options.dataDir !== undefined)}.json`, import.meta.url));
  const app = await createApp(config, {
    port: options.port,
    baseUrl,
    ...(options.dataDir ? { rootFilePath: path.resolve(options.dataDir) } : {}),
  });
  // CSS keeps its HTTP server to itself; its requests name it. Stopping must end the open
  // connections (notification streams never end on their own), or stop() waits forever.
  let http: Server | undefined;
  const seen = (message: unknown) => {
    const { server } = message as { server: Server };
    const address = server.address();
    if (typeof address === 'object' && address?.port === options.port) http = server;
  };
  diagnostics.subscribe('http.server.request.start', seen);
  const unlog = options.requestLog ? logRequests(options.port, options.requestLog) : () => undefined;
  await app.start();
  const stop = async () => {
    const closer = setInterval(() => http?.closeAllConnections(), 100);
    try {
      await app.stop();
    } finally {
      clearInterval(closer);
      diagnostics.unsubscribe('http.server.request.start', seen);
      unlog();
    }
  };
  return { baseUrl, port: options.port, dataDir: options.dataDir, stop };
}

function configName(kind: ServerKind, onDisk: boolean): string {
  if (kind === 'nss') throw new Error('the Node Solid Server is not embedded: start it with startNss (nss.ts)');
  if (kind === 'acp') {
    if (!onDisk) throw new Error('an ACP server keeps its pods on disk: give it a data folder');
    return 'file-acp';
  }
  if (kind === 'subdomains') {
    if (onDisk) throw new Error('a server with pods on subdomains keeps them in memory: give it no data folder');
    return 'memory-subdomains';
  }
  return onDisk ? 'file' : 'default';
}
