// Reading a peer: its inbox and public keys, from its public WebID profile and the extended
// profile it links (query-vocab/profile.ts). Besides the current keys, the profile lists the
// keys a rotation retired until they expire: they are still the peer's own for the runs
// pinned to them.

import { VocabError, documentOf, profileLinks, readAgentProfile } from '../../query-vocab/index.ts';
import type { AgentProfile, KeyType, PublicKeys, Registration } from '../../query-vocab/index.ts';
import { sameBytes } from '../core/keyring.ts';
import { PodError, getTurtle, getTurtleIfExists, type Fetch } from './pod.ts';

export interface Peer extends Registration {
  /** Retired keys not yet expired, one list per type. */
  retired: Record<KeyType, Uint8Array[]>;
}

/** `now` decides which retired keys have expired. */
export async function readPeer(webId: string, fetch: Fetch = globalThis.fetch, now = Date.now()): Promise<Peer> {
  let profile: AgentProfile;
  try {
    profile = await readProfile(fetch, webId, now);
  } catch (error) {
    const reason = error instanceof PodError ? `its profile answered ${error.status}` : 'its profile is unreachable';
    // The cause says whether another attempt may succeed (retry.ts isTransient).
    throw new Error(`cannot read the podagg keys of ${webId}: ${reason}`, { cause: error });
  }
  const missing = [
    !profile.inbox && 'an inbox (ldp:inbox)',
    !profile.x25519 && 'an X25519 key (sec:keyAgreementMethod)',
    !profile.ed25519 && 'an Ed25519 key (sec:assertionMethod)',
  ].filter(Boolean);
  if (missing.length) throw new Error(`the profile of ${webId} lacks ${missing.join(', ')}; run podagg agent init for it`);
  return { webId, inbox: profile.inbox!, x25519: profile.x25519!, ed25519: profile.ed25519!, retired: profile.retired };
}

/** At most this many linked documents are read for one profile. */
const MAX_LINKS = 4;

/**
 * The podagg entries of a WebID: from the WebID document (pods provisioned before the
 * extended profile), else from the first document it links that holds them.
 */
export async function readProfile(fetch: Fetch, webId: string, now = Date.now()): Promise<AgentProfile> {
  const url = documentOf(webId);
  const turtle = await getTurtle(fetch, url);
  let profile = readAgentProfile([{ url, turtle }], webId, now);
  for (const link of profileLinks(turtle, webId).slice(0, MAX_LINKS)) {
    if (hasKeys(profile)) break;
    profile = (await readLinked(fetch, link, webId, now)) ?? profile;
  }
  return profile;
}

/** A linked document that is private, gone or not Turtle is none of podagg's: skipped. */
async function readLinked(fetch: Fetch, url: string, webId: string, now: number): Promise<AgentProfile | undefined> {
  try {
    const turtle = await getTurtleIfExists(fetch, url);
    return turtle === undefined ? undefined : readAgentProfile([{ url, turtle }], webId, now);
  } catch (error) {
    if ((error instanceof PodError && (error.status === 401 || error.status === 403)) || error instanceof VocabError) return undefined;
    throw error;
  }
}

export const hasKeys = (p: AgentProfile): boolean => p.x25519 !== undefined || p.ed25519 !== undefined;

/** Whether both keys are the peer's: current, or retired and not yet expired. */
export function ownsKeys(peer: Peer, keys: PublicKeys): boolean {
  const owns = (type: KeyType) => [peer[type], ...peer.retired[type]].some((k) => sameBytes(k, keys[type]));
  return owns('x25519') && owns('ed25519');
}

export function samePublicKeys(a: PublicKeys, b: PublicKeys): boolean {
  return sameBytes(a.x25519, b.x25519) && sameBytes(a.ed25519, b.ed25519);
}
