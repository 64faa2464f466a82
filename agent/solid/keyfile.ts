// The agent's private keys live in a local JSON file with mode 0600, never in the pod.

import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { generateKeys, type AgentKeys } from '../core/keys.ts';

interface KeyFileJson {
  webId: string;
  x25519: { secretKey: string; publicKey: string };
  ed25519: { secretKey: string; publicKey: string };
}

/** Where one WebID's keys live inside a state folder. */
export function keyFilePath(stateDir: string, webId: string): string {
  const name = createHash('sha256').update(webId).digest('hex').slice(0, 16);
  return path.join(stateDir, 'keys', `${name}.json`);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** Reads the key file, or creates it with fresh keys when there is none. */
export async function loadOrCreateKeys(file: string, webId: string): Promise<{ keys: AgentKeys; created: boolean }> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as KeyFileJson;
    if (json.webId !== webId) throw new Error(`key file ${file} belongs to ${json.webId}, not ${webId}`);
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    const pair = (p: { secretKey: string; publicKey: string }) => ({ secretKey: unb64(p.secretKey), publicKey: unb64(p.publicKey) });
    return { keys: { x25519: pair(json.x25519), ed25519: pair(json.ed25519) }, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keys = generateKeys();
  const pair = (p: { secretKey: Uint8Array; publicKey: Uint8Array }) => ({ secretKey: b64(p.secretKey), publicKey: b64(p.publicKey) });
  const json: KeyFileJson = { webId, x25519: pair(keys.x25519), ed25519: pair(keys.ed25519) };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(json, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { keys, created: true };
}
