// The server a suite that runs on several starts: PODAGG_TEST_SERVER (wac, wac-file, acp,
// subdomains, nss), set by the wrapper files that run a suite again on another of CSS's
// presets or on NSS (security-access-acp.test.ts…).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveLocalhostNames } from '../../agent/solid/localhost-names.ts';
import { SERVER_KINDS, type ServerKind } from '../../solid-server/solid-server.ts';

export interface TestServer {
  kind: ServerKind;
  /** Pods on disk, in a fresh folder; absent: in memory (an ACP server picks its own folder). */
  dataDir?: string;
}

export function testServer(): TestServer {
  const name = process.env.PODAGG_TEST_SERVER ?? 'wac';
  if (name === 'wac-file') return { kind: 'wac', dataDir: mkdtempSync(path.join(os.tmpdir(), 'podagg-pods-')) };
  const kind = name as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`PODAGG_TEST_SERVER must be wac-file or one of ${SERVER_KINDS.join(', ')}, not ${name}`);
  if (kind === 'subdomains' || kind === 'nss') resolveLocalhostNames();
  return { kind };
}

/** Run the suites imported after this one on `name`'s server. */
export function useTestServer(name: 'wac-file' | ServerKind): void {
  process.env.PODAGG_TEST_SERVER = name;
}
