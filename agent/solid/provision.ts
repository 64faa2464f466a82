// Preparing a pod for the protocol: local keys, the inbox (owner all, others append), the
// presence document (public read), and the extended profile peers read (current keys, and
// retired keys until they expire), linked from the WebID document.
// Every step first looks, and writes only what differs, so a second run changes nothing.

import { agentProfileQuads, agentProfileTurtle, documentOf, Graph, legacyAgentQuads, n3Patch, profileLinkQuad, serializePresence } from '../../query-vocab/index.ts';
import { Writer, type Quad } from 'n3';
import type { AgentKeys } from '../core/keys.ts';
import { dropExpired, publicKeys, sameBytes, type KeyRing } from '../core/keyring.ts';
import { POLICIES, ensureAccess } from './access.ts';
import type { Credential } from './credentials.ts';
import { KeyStore, keyFilePath, loadOrCreateKeys, readKeyRing, writeKeyRing } from './keyfile.ts';
import { podLayout } from './layout.ts';
import { hasKeys, readProfile } from './peer.ts';
import { PodError, ensureContainer, getTurtle, getTurtleIfExists, patchN3, putTurtle, type Fetch } from './pod.ts';
import type { AgentSession } from './session.ts';

export interface ProvisionReport {
  webId: string;
  inbox: string;
  /** The current pair. */
  keys: AgentKeys;
  store: KeyStore;
  /** What this run changed; empty when the pod was already provisioned. */
  changes: string[];
}

export interface ProvisionOptions {
  /** Decides which retired key pairs have expired and are dropped. */
  now?: number;
  /** Publish this folder's keys even when the profile publishes others (their runs fail). */
  replaceKeys?: boolean;
  /** The folder commands use when given none, named in a key conflict when it is not the one used. */
  defaultStateDir?: string;
}

/** The profile publishes keys whose private halves are not in the state folder used. */
export class KeyConflictError extends Error {
  constructor(webId: string, stateDir: string, hasFile: boolean, defaultStateDir?: string) {
    super(
      `the profile of ${webId} publishes keys that are not in the state folder ${stateDir}` +
        (hasFile ? ' (its key file holds others)' : ' (it has no key file for this WebID)') +
        ': they were made with another state folder, whose agent would stop receiving' +
        (defaultStateDir && defaultStateDir !== stateDir ? ` (the default one is ${defaultStateDir})` : '') +
        '. Give that folder (--state or PODAGG_STATE), or replace the published keys with --replace-keys.',
    );
    this.name = 'KeyConflictError';
  }
}

/** The WebID document cannot be written by this agent (ESS): the user adds the link. */
export class ProfileLinkError extends Error {
  constructor(webIdDoc: string, link: Quad, status: number) {
    super(
      `cannot write the WebID document ${webIdDoc} (it answered ${status}). podagg's keys and inbox are in ${link.object.value}; ` +
        `add this one triple to the WebID document (e.g. with your provider's profile editor), then run agent init again:\n` +
        `  ${new Writer({ format: 'N-Triples' }).quadsToString([link]).trim()}`,
    );
    this.name = 'ProfileLinkError';
  }
}

export async function provision(session: AgentSession, credential: Credential, stateDir: string, o: ProvisionOptions = {}): Promise<ProvisionReport> {
  const now = o.now ?? Date.now();
  const changes: string[] = [];
  const { webId } = credential;
  const file = keyFilePath(stateDir, webId);
  const published = await readProfile(session.fetch, webId, now);
  const local = await readKeyRing(file, webId);
  if (hasKeys(published) && !o.replaceKeys && !(local && holds(local, published))) throw new KeyConflictError(webId, stateDir, local !== undefined, o.defaultStateDir);
  const loaded = await loadOrCreateKeys(file, webId);
  if (loaded.created) changes.push('generated keys');
  const ring = dropExpired(loaded.ring, now);
  if (ring.retired.length < loaded.ring.retired.length) {
    await writeKeyRing(file, webId, ring);
    changes.push(`dropped ${loaded.ring.retired.length - ring.retired.length} expired retired key pairs`);
  }
  const { inbox, presence } = podLayout(credential.podUrl);
  if (await ensureContainer(session.fetch, inbox)) changes.push('created inbox');
  if (await ensureAccess(session.fetch, inbox, POLICIES.inbox(webId))) changes.push('set inbox access');
  // Public before the first beat: an agent that dies right after joining a run must still
  // leave a document peers can read and find stale.
  if ((await getTurtleIfExists(session.fetch, presence)) === undefined) {
    await putTurtle(session.fetch, presence, serializePresence(presence, webId, new Date(now)));
    changes.push('created presence document');
  }
  if (await ensureAccess(session.fetch, presence, POLICIES.publicDocument(webId))) changes.push('set presence access');
  changes.push(...(await ensureProfile(session.fetch, credential, ring)));
  return { webId, inbox, keys: ring.current, store: new KeyStore(file, webId, ring), changes };
}

/** Whether the published current keys are the ring's: current, or retired by a rotation not yet published. */
function holds(ring: KeyRing, published: { x25519?: Uint8Array; ed25519?: Uint8Array }): boolean {
  return [ring.current, ...ring.retired].some(
    (pair) => published.x25519 !== undefined && published.ed25519 !== undefined && sameBytes(pair.x25519.publicKey, published.x25519) && sameBytes(pair.ed25519.publicKey, published.ed25519),
  );
}

/**
 * Publishes the ring's public keys and the inbox in the extended profile, links it from the
 * WebID document, and takes out of the WebID document what an earlier podagg wrote there.
 */
export async function ensureProfile(fetch: Fetch, credential: Credential, ring: KeyRing): Promise<string[]> {
  const changes: string[] = [];
  const { webId } = credential;
  const { inbox, profile } = podLayout(credential.podUrl);
  const retired = ring.retired.map((p) => ({ ...publicKeys(p), expires: p.expires }));
  const entries = { inbox, ...publicKeys(ring.current), retired };
  const current = await getTurtleIfExists(fetch, profile);
  if (current === undefined || !sameQuads(Graph.parse(current, profile).quads, agentProfileQuads(webId, profile, entries))) {
    await putTurtle(fetch, profile, agentProfileTurtle(webId, profile, entries));
    changes.push('published keys in the extended profile');
  }
  if (await ensureAccess(fetch, profile, POLICIES.publicDocument(webId))) changes.push('set extended profile access');
  const webIdDoc = documentOf(webId);
  const turtle = await getTurtle(fetch, webIdDoc);
  const link = profileLinkQuad(webId, profile);
  const legacy = legacyAgentQuads(turtle, webId, inbox);
  const linked = Graph.parse(turtle, webIdDoc).quads.some((q) => q.equals(link));
  if (linked && legacy.length === 0) return changes;
  try {
    await patchN3(fetch, webIdDoc, n3Patch(legacy, linked ? [] : [link]));
  } catch (error) {
    if (error instanceof PodError && [401, 403, 405].includes(error.status)) throw new ProfileLinkError(webIdDoc, link, error.status);
    throw error;
  }
  if (!linked) changes.push('linked the extended profile from the WebID document');
  if (legacy.length) changes.push(`moved podagg's ${legacy.length} entries out of the WebID document`);
  return changes;
}

function sameQuads(a: Quad[], b: Quad[]): boolean {
  return a.length === b.length && a.every((q) => b.some((r) => q.equals(r)));
}
