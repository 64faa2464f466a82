// Preparing a pod for the protocol: local keys, the inbox (owner all, others append), the
// presence document (public read), and the profile entries peers read (current keys, and
// retired keys until they expire).
// Every step first looks, and writes only what differs, so a second run changes nothing.

import { aclQuads, aclTurtle, type AclRule, agentProfileQuads, documentOf, existingAgentQuads, serializePresence, sparqlUpdate, Graph } from '../../query-vocab/index.ts';
import type { Quad } from 'n3';
import type { AgentKeys } from '../core/keys.ts';
import { dropExpired, publicKeys, type KeyRing } from '../core/keyring.ts';
import type { Credential } from './credentials.ts';
import { KeyStore, keyFilePath, loadOrCreateKeys, writeKeyRing } from './keyfile.ts';
import { podLayout } from './layout.ts';
import { aclUrlOf, ensureContainer, getTurtle, getTurtleIfExists, patchSparql, putTurtle, type Fetch } from './pod.ts';
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

export function inboxRules(owner: string): AclRule[] {
  return [
    { name: 'owner', agents: [owner], modes: ['Read', 'Write', 'Control'], inherit: true },
    { name: 'append', authenticated: true, modes: ['Append'], inherit: false },
  ];
}

export function presenceRules(owner: string): AclRule[] {
  return [
    { name: 'owner', agents: [owner], modes: ['Read', 'Write', 'Control'], inherit: false },
    { name: 'public', everyone: true, modes: ['Read'], inherit: false },
  ];
}

/** `now` decides which retired key pairs have expired and are dropped. */
export async function provision(session: AgentSession, credential: Credential, stateDir: string, now = Date.now()): Promise<ProvisionReport> {
  const changes: string[] = [];
  const file = keyFilePath(stateDir, credential.webId);
  const loaded = await loadOrCreateKeys(file, credential.webId);
  if (loaded.created) changes.push('generated keys');
  const ring = dropExpired(loaded.ring, now);
  if (ring.retired.length < loaded.ring.retired.length) {
    await writeKeyRing(file, credential.webId, ring);
    changes.push(`dropped ${loaded.ring.retired.length - ring.retired.length} expired retired key pairs`);
  }
  const { inbox } = podLayout(credential.podUrl);
  if (await ensureContainer(session.fetch, inbox)) changes.push('created inbox');
  if (await ensureAcl(session.fetch, inbox, inboxRules(credential.webId))) changes.push('set inbox ACL');
  // Public before the first beat: an agent that dies right after joining a run must still
  // leave a document peers can read and find stale.
  const { presence } = podLayout(credential.podUrl);
  if ((await getTurtleIfExists(session.fetch, presence)) === undefined) {
    await putTurtle(session.fetch, presence, serializePresence(presence, credential.webId, new Date(now)));
    changes.push('created presence document');
  }
  if (await ensureAcl(session.fetch, presence, presenceRules(credential.webId))) changes.push('set presence ACL');
  if (await ensureProfile(session.fetch, credential.webId, inbox, ring)) changes.push('updated profile');
  return { webId: credential.webId, inbox, keys: ring.current, store: new KeyStore(file, credential.webId, ring), changes };
}

/** Writes the ACL unless the current one already says exactly this. */
export async function ensureAcl(fetch: Fetch, resource: string, rules: AclRule[]): Promise<boolean> {
  const aclUrl = await aclUrlOf(fetch, resource);
  const wanted = aclQuads(aclUrl, resource, rules);
  const current = await getTurtleIfExists(fetch, aclUrl);
  if (current !== undefined && sameQuads(Graph.parse(current, aclUrl).quads, wanted)) return false;
  await putTurtle(fetch, aclUrl, aclTurtle(aclUrl, resource, rules));
  return true;
}

/** Publishes the ring's public keys: the current pair, and each retired pair with its sec:expires. */
export async function ensureProfile(fetch: Fetch, webId: string, inbox: string, ring: KeyRing): Promise<boolean> {
  const profileUrl = documentOf(webId);
  const turtle = await getTurtle(fetch, profileUrl);
  const retired = ring.retired.map((p) => ({ ...publicKeys(p), expires: p.expires }));
  const wanted = agentProfileQuads(webId, { inbox, ...publicKeys(ring.current), retired });
  const existing = existingAgentQuads(turtle, webId);
  if (sameQuads(existing, wanted)) return false;
  await patchSparql(fetch, profileUrl, sparqlUpdate(existing, wanted));
  return true;
}

function sameQuads(a: Quad[], b: Quad[]): boolean {
  return a.length === b.length && a.every((q) => b.some((r) => q.equals(r)));
}
