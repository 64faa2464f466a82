// The credentials file: a JSON list of client credentials, one entry per WebID, as
// written by `podagg pods up` and `podagg login`.

import { readFile, writeFile } from 'node:fs/promises';

/**
 * One account's client credentials: as the CSS account API hands them out, or a client
 * registered by `podagg login` with the refresh token of the owner's login (servers with
 * no client-credentials grant for a WebID, such as NSS).
 */
export interface Credential {
  webId: string;
  podUrl: string;
  oidcIssuer: string;
  email: string;
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
}

const FIELDS = ['webId', 'podUrl', 'oidcIssuer', 'email', 'clientId', 'clientSecret'] as const;

export async function readCredentials(file: string): Promise<Credential[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`cannot read credentials file ${file}`);
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new Error(`credentials file ${file} is not valid JSON`);
  }
  if (!Array.isArray(list)) throw new Error(`credentials file ${file} must hold a JSON list`);
  return list.map((entry, i) => {
    for (const field of FIELDS) {
      if (typeof entry?.[field] !== 'string') throw new Error(`credentials file ${file}: entry ${i} lacks "${field}"`);
    }
    if (entry.refreshToken !== undefined && typeof entry.refreshToken !== 'string') {
      throw new Error(`credentials file ${file}: entry ${i} has a "refreshToken" that is not a string`);
    }
    return entry as Credential;
  });
}

export async function writeCredentials(file: string, list: Credential[]): Promise<void> {
  await writeFile(file, JSON.stringify(list, null, 2) + '\n', { mode: 0o600 });
}

/** The entries to act on: one WebID, or all of them. */
export function selectCredentials(list: Credential[], webId: string | undefined, all: boolean): Credential[] {
  if (all) return list;
  if (!webId) throw new Error('give --webid WEBID or --all');
  const found = list.filter((c) => c.webId === webId);
  if (found.length === 0) throw new Error(`no credentials for ${webId} in the credentials file`);
  return found;
}
