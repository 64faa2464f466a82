// The Node Solid Server (NSS 5, the `solid-server` package) as a child process: WAC, a pod
// per subdomain of localhost (http://name.localhost:port/), its own OIDC provider, every
// pod on disk. Plain HTTP on loopback: NSS serves HTTPS only when given a certificate.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { SolidServer } from './solid-server.ts';

export interface NssOptions {
  port: number;
  /** Folder for pods, accounts and the provider's keys; absent means a temporary one, removed at stop. */
  dataDir?: string;
}

export async function startNss(options: NssOptions): Promise<SolidServer> {
  const bin = locateNss();
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'podagg-nss-')));
  const baseUrl = `http://localhost:${options.port}/`;
  // NSS 5.7.7 creates its root host's folder twice at start, one without awaiting it: on a
  // fresh data folder the second mkdir can fail with EEXIST and end the process.
  await mkdir(path.join(dataDir, 'data', 'localhost'), { recursive: true });
  const child = spawn(process.execPath, [
    bin, 'start',
    '--port', String(options.port),
    '--server-uri', baseUrl.replace(/\/$/, ''),
    '--root', path.join(dataDir, 'data'),
    '--db-path', path.join(dataDir, 'db'),
    '--config-path', path.join(dataDir, 'config'),
    '--webid', '--auth', 'oidc', '--multiuser',
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBUG: '' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const stop = async () => {
    await stopChild(child);
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await untilAnswering(baseUrl, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, port: options.port, dataDir, stop };
}

function locateNss(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve('solid-server/package.json')), 'bin', 'solid');
  } catch {
    throw new Error('the Node Solid Server is not installed: run npm install (it is a development dependency, solid-server)');
  }
}

/** The provider registers its own client at start; the server answers once it is ready. */
async function untilAnswering(baseUrl: string, child: ChildProcess, stderr: () => string): Promise<void> {
  let gone = false;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => {
      gone = true;
      reject(new Error(`NSS exited (code ${code}) before it answered: ${stderr()}`));
    });
  });
  const answered = (async () => {
    while (!gone) {
      const ok = await fetch(new URL('.well-known/openid-configuration', baseUrl)).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await Promise.race([answered, exited]);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
