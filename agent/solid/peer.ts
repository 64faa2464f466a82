// Reading a peer: its inbox and public keys, from its public WebID profile. Besides the
// current keys, the profile lists the keys a rotation retired until they expire: they are
// still the peer's own for the runs pinned to them.

import { documentOf, readAgentProfile } from '../../query-vocab/index.ts';
import type { KeyType, PublicKeys, Registration } from '../../query-vocab/index.ts';
import { sameBytes } from '../core/keyring.ts';
import { PodError, getTurtle, type Fetch } from './pod.ts';

export interface Peer extends Registration {
  /** Retired keys not yet expired, one list per type. */
  retired: Record<KeyType, Uint8Array[]>;
}

/** `now` decides which retired keys have expired. */
export async function readPeer(webId: string, fetch: Fetch = globalThis.fetch, now = Date.now()): Promise<Peer> {
  let turtle: string;
  try {
    turtle = await getTurtle(fetch, documentOf(webId));
  } catch (error) {
    const reason = error instanceof PodError ? `its profile answered ${error.status}` : 'its profile is unreachable';
    // The cause says whether another attempt may succeed (retry.ts isTransient).
    throw new Error(`cannot read the podagg keys of ${webId}: ${reason}`, { cause: error });
  }
  const profile = readAgentProfile(turtle, webId, now);
  const missing = [
    !profile.inbox && 'an inbox (ldp:inbox)',
    !profile.x25519 && 'an X25519 key (sec:keyAgreementMethod)',
    !profile.ed25519 && 'an Ed25519 key (sec:assertionMethod)',
  ].filter(Boolean);
  if (missing.length) throw new Error(`the profile of ${webId} lacks ${missing.join(', ')}; run podagg agent init for it`);
  return { webId, inbox: profile.inbox!, x25519: profile.x25519!, ed25519: profile.ed25519!, retired: profile.retired };
}

/** Whether both keys are the peer's: current, or retired and not yet expired. */
export function ownsKeys(peer: Peer, keys: PublicKeys): boolean {
  const owns = (type: KeyType) => [peer[type], ...peer.retired[type]].some((k) => sameBytes(k, keys[type]));
  return owns('x25519') && owns('ed25519');
}

export function samePublicKeys(a: PublicKeys, b: PublicKeys): boolean {
  return sameBytes(a.x25519, b.x25519) && sameBytes(a.ed25519, b.ed25519);
}
