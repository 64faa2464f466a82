// Key rotation: a fresh pair becomes current, the old pair is retired until the grace
// period ends. The retired secret keys stay in the local key file and the retired public
// keys stay in the profile, marked with sec:expires, so the runs pinned to them (published
// before the rotation) still open, sign and verify; new plans pin the new keys. After the
// grace period peers no longer accept the retired keys, and the next rotation or
// provisioning drops them from the key file and the profile.

import { publicKeys, rotate } from '../core/keyring.ts';
import { signRegistration } from '../core/registration.ts';
import type { Credential } from './credentials.ts';
import { keyFilePath, readKeyRing, writeKeyRing } from './keyfile.ts';
import { podLayout } from './layout.ts';
import { joinPopulation } from './population.ts';
import { ensureProfile } from './provision.ts';
import type { AgentSession } from './session.ts';

/** Longer than any run is expected to last: a run outliving it fails once peers reopen it. */
export const DEFAULT_GRACE_MS = 7 * 24 * 3600_000;

export interface RotationOptions {
  /** How long the retired pair still counts; default DEFAULT_GRACE_MS. */
  graceMs?: number;
  /** Populations to register the new keys in (the old registration counts until the old keys expire). */
  populations?: string[];
  now?: number;
}

export interface RotationReport {
  webId: string;
  /** When the retired pair expires (ISO 8601). */
  retiredUntil: string;
  /** Retired pairs this rotation dropped because they had expired. */
  dropped: number;
  /** Population → outcome of registering the new keys. */
  registrations: Record<string, string>;
}

export async function rotateKeys(session: AgentSession, credential: Credential, stateDir: string, o: RotationOptions = {}): Promise<RotationReport> {
  const { webId } = credential;
  const file = keyFilePath(stateDir, webId);
  const ring = await readKeyRing(file, webId);
  if (!ring) throw new Error(`no key file for ${webId} in ${stateDir}: run podagg agent init first`);
  const now = o.now ?? Date.now();
  const next = rotate(ring, now, o.graceMs ?? DEFAULT_GRACE_MS);
  // The key file first: should publishing fail, no published key has lost its secret, and
  // the next agent init publishes the ring as the file holds it.
  await writeKeyRing(file, webId, next);
  const { inbox } = podLayout(credential.podUrl);
  await ensureProfile(session.fetch, credential, next);
  const registrations: Record<string, string> = {};
  for (const population of o.populations ?? []) {
    const me = signRegistration({ webId, inbox, ...publicKeys(next.current) }, population, next.current.ed25519.secretKey);
    registrations[population] = await joinPopulation(session.fetch, population, me);
  }
  return { webId, retiredUntil: next.retired.at(-1)!.expires, dropped: ring.retired.length + 1 - next.retired.length, registrations };
}
