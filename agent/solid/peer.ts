// Reading a peer: its inbox and public keys, from its public WebID profile.

import { readAgentProfile } from '../../query-vocab/profile.ts';
import type { Registration } from '../../query-vocab/types.ts';
import { PodError, getTurtle, type Fetch } from './pod.ts';

export async function readPeer(webId: string, fetch: Fetch = globalThis.fetch): Promise<Registration> {
  let turtle: string;
  try {
    turtle = await getTurtle(fetch, webId.split('#')[0]);
  } catch (error) {
    const reason = error instanceof PodError ? `its profile answered ${error.status}` : 'its profile is unreachable';
    throw new Error(`cannot read the podagg keys of ${webId}: ${reason}`);
  }
  const profile = readAgentProfile(turtle, webId);
  const missing = [
    !profile.inbox && 'an inbox (ldp:inbox)',
    !profile.x25519 && 'an X25519 key (sec:keyAgreementMethod)',
    !profile.ed25519 && 'an Ed25519 key (sec:assertionMethod)',
  ].filter(Boolean);
  if (missing.length) throw new Error(`the profile of ${webId} lacks ${missing.join(', ')}; run podagg agent init for it`);
  return { webId, inbox: profile.inbox!, x25519: profile.x25519!, ed25519: profile.ed25519! };
}
