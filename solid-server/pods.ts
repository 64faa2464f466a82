// A fleet of pods on one or more embedded servers: start the servers, create the
// accounts that are missing, and remember their credentials in the data folder so a
// second start reuses them.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inParallel } from '../agent/solid/in-parallel.ts';
import { createAccount } from './accounts.ts';
import { startNss } from './nss.ts';
import { createNssAccount } from './nss-accounts.ts';
import type { ServerKind, SolidServer } from './solid-server.ts';
import { startSolidServerThread } from './solid-thread.ts';
import { writeCredentials, type Credential } from '../agent/solid/credentials.ts';

export interface FleetOptions {
  pods: number;
  /** Port of the first server; server i listens on port + i. */
  port: number;
  servers?: number;
  kind?: ServerKind;
  dataDir?: string;
  /** With one server: the URL clients use when it is not the server's own (a proxy in front). */
  baseUrl?: string;
  /** Every server logs the requests it answers to this file (solid-server/request-log.ts). */
  requestLog?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface Fleet {
  servers: SolidServer[];
  credentials: Credential[];
  /** One more account with a pod, on the first server, the way the server makes them. */
  createAccount(name: string, password: string): Promise<Credential>;
  stop(): Promise<void>;
}

const podName = (i: number) => `person-${String(i + 1).padStart(4, '0')}`;

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const count = options.servers ?? 1;
  if (!Number.isInteger(options.pods) || options.pods < 1) throw new Error(`--pods must be a positive integer, not ${options.pods}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--servers must be a positive integer, not ${count}`);
  const servers: SolidServer[] = [];
  const create = options.kind === 'nss' ? createNssAccount : createAccount;
  try {
    // Each server has a thread of its own: they start side by side.
    const started = await Promise.allSettled(Array.from({ length: count }, async (_, s) => {
      const dataDir = options.dataDir && (count === 1 ? options.dataDir : path.join(options.dataDir, `server-${s + 1}`));
      if (dataDir) await mkdir(dataDir, { recursive: true });
      if (options.kind === 'nss') {
        if (options.baseUrl || options.requestLog) throw new Error('the Node Solid Server takes no base URL or request log here');
        return startNss({ port: options.port + s, dataDir });
      }
      return startSolidServerThread({ port: options.port + s, kind: options.kind, dataDir, baseUrl: count === 1 ? options.baseUrl : undefined, requestLog: options.requestLog });
    }));
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const saved = options.dataDir ? await readSaved(options.dataDir) : [];
    const credentials: Credential[] = [];
    let done = 0;
    // NSS creates folders without a guard against a second request doing the same: one at a time.
    const width = options.kind === 'nss' ? 1 : 4;
    await inParallel(Array.from({ length: options.pods }, (_, i) => i), width, async (i) => {
      const server = servers[i % count];
      const existing = saved.find((c) => c.podUrl === podUrlOf(server.baseUrl, podName(i), options.kind));
      credentials[i] = existing ?? (await create(server.baseUrl, podName(i), randomBytes(18).toString('base64url')));
      options.onProgress?.(++done, options.pods);
    });
    if (options.dataDir) await writeCredentials(savedPath(options.dataDir), mergeSaved(saved, credentials));
    return { servers, credentials, createAccount: (name, password) => create(servers[0].baseUrl, name, password), stop: () => stopAll(servers) };
  } catch (error) {
    await stopAll(servers);
    throw error;
  }
}

function podUrlOf(baseUrl: string, name: string, kind: ServerKind | undefined): string {
  if (kind !== 'nss' && kind !== 'subdomains') return new URL(`${name}/`, baseUrl).href;
  const url = new URL(baseUrl);
  url.hostname = `${name}.${url.hostname}`;
  return url.href;
}

async function stopAll(servers: SolidServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

const savedPath = (dataDir: string) => path.join(dataDir, 'credentials.json');

async function readSaved(dataDir: string): Promise<Credential[]> {
  try {
    return JSON.parse(await readFile(savedPath(dataDir), 'utf8')) as Credential[];
  } catch {
    return [];
  }
}

function mergeSaved(saved: Credential[], fresh: Credential[]): Credential[] {
  const byWebId = new Map(saved.map((c) => [c.webId, c]));
  for (const c of fresh) byWebId.set(c.webId, c);
  return [...byWebId.values()];
}
