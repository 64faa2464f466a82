// The agent's private keys live in a local JSON file with mode 0600, never in the pod: the
// current pair and the pairs a rotation retired (until they expire).

import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { PublicKeys } from '../../query-vocab/index.ts';
import { shortDigest } from '../core/digest.ts';
import { generateKeys, type AgentKeys, type KeyPair } from '../core/keys.ts';
import { pairFor, type KeyRing } from '../core/keyring.ts';

interface PairJson {
  secretKey: string;
  publicKey: string;
}

interface KeyFileJson {
  webId: string;
  x25519: PairJson;
  ed25519: PairJson;
  retired?: Array<{ x25519: PairJson; ed25519: PairJson; expires: string }>;
}

/** Where one WebID's keys live inside a state folder. */
export function keyFilePath(stateDir: string, webId: string): string {
  return path.join(stateDir, 'keys', `${shortDigest(webId)}.json`);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const fromJson = (p: PairJson): KeyPair => ({ secretKey: unb64(p.secretKey), publicKey: unb64(p.publicKey) });
const toJson = (p: KeyPair): PairJson => ({ secretKey: b64(p.secretKey), publicKey: b64(p.publicKey) });

/** The key ring in the file, or undefined when there is no file. */
export async function readKeyRing(file: string, webId: string): Promise<KeyRing | undefined> {
  let json: KeyFileJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as KeyFileJson;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (json.webId !== webId) throw new Error(`key file ${file} belongs to ${json.webId}, not ${webId}`);
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return {
    current: { x25519: fromJson(json.x25519), ed25519: fromJson(json.ed25519) },
    retired: (json.retired ?? []).map((r) => ({ x25519: fromJson(r.x25519), ed25519: fromJson(r.ed25519), expires: r.expires })),
  };
}

/** Writes the ring (mode 0600, folder 0700) through a rename: a reader sees the old ring or the new one. */
export async function writeKeyRing(file: string, webId: string, ring: KeyRing): Promise<void> {
  const json: KeyFileJson = {
    webId,
    x25519: toJson(ring.current.x25519),
    ed25519: toJson(ring.current.ed25519),
    retired: ring.retired.map((r) => ({ x25519: toJson(r.x25519), ed25519: toJson(r.ed25519), expires: r.expires })),
  };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(json, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  await rename(tmp, file);
}

/** Reads the key file, or creates it with fresh keys when there is none. `keys` is the current pair. */
export async function loadOrCreateKeys(file: string, webId: string): Promise<{ keys: AgentKeys; ring: KeyRing; created: boolean }> {
  const existing = await readKeyRing(file, webId);
  if (existing) return { keys: existing.current, ring: existing, created: false };
  const ring: KeyRing = { current: generateKeys(), retired: [] };
  await writeKeyRing(file, webId, ring);
  return { keys: ring.current, ring, created: true };
}

/**
 * The ring as a running agent sees it. Another process may rotate the keys (podagg agent
 * rotate-keys): a run pinned to keys not in memory makes it read the file again.
 */
export class KeyStore {
  constructor(
    readonly file: string,
    readonly webId: string,
    private ring: KeyRing,
  ) {}

  get current(): AgentKeys {
    return this.ring.current;
  }

  /** The pair a run is pinned to; throws when the ring no longer holds it (expired and dropped). */
  async pairFor(pinned: PublicKeys): Promise<AgentKeys> {
    let pair = pairFor(this.ring, pinned);
    if (!pair) {
      this.ring = (await readKeyRing(this.file, this.webId)) ?? this.ring;
      pair = pairFor(this.ring, pinned);
    }
    if (!pair) throw new Error(`the run is pinned to keys of ${this.webId} that its key file no longer holds (retired and expired)`);
    return pair;
  }
}
