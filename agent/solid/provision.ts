// Preparing a pod for the protocol: local keys, the inbox (owner all, others append), and
// the profile entries peers read. Every step first looks, and writes only what differs,
// so a second run changes nothing.

import { aclQuads, aclTurtle, type AclRule } from '../../query-vocab/acl.ts';
import type { Quad } from 'n3';
import { agentProfileQuads, existingAgentQuads, sparqlUpdate } from '../../query-vocab/profile.ts';
import { Graph } from '../../query-vocab/graph.ts';
import type { AgentKeys } from '../core/keys.ts';
import type { Credential } from './credentials.ts';
import { keyFilePath, loadOrCreateKeys } from './keyfile.ts';
import { podLayout } from './layout.ts';
import { aclUrlOf, ensureContainer, getTurtle, getTurtleIfExists, patchSparql, putTurtle, type Fetch } from './pod.ts';
import type { AgentSession } from './session.ts';

export interface ProvisionReport {
  webId: string;
  inbox: string;
  keys: AgentKeys;
  /** What this run changed; empty when the pod was already provisioned. */
  changes: string[];
}

export function inboxRules(owner: string): AclRule[] {
  return [
    { name: 'owner', agents: [owner], modes: ['Read', 'Write', 'Control'], inherit: true },
    { name: 'append', authenticated: true, modes: ['Append'], inherit: false },
  ];
}

export async function provision(session: AgentSession, credential: Credential, stateDir: string): Promise<ProvisionReport> {
  const changes: string[] = [];
  const { keys, created } = await loadOrCreateKeys(keyFilePath(stateDir, credential.webId), credential.webId);
  if (created) changes.push('generated keys');
  const { inbox } = podLayout(credential.podUrl);
  if (await ensureContainer(session.fetch, inbox)) changes.push('created inbox');
  if (await ensureAcl(session.fetch, inbox, inboxRules(credential.webId))) changes.push('set inbox ACL');
  if (await ensureProfile(session.fetch, credential.webId, inbox, keys)) changes.push('updated profile');
  return { webId: credential.webId, inbox, keys, changes };
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

async function ensureProfile(fetch: Fetch, webId: string, inbox: string, keys: AgentKeys): Promise<boolean> {
  const profileUrl = webId.split('#')[0];
  const turtle = await getTurtle(fetch, profileUrl);
  const wanted = agentProfileQuads(webId, { inbox, x25519: keys.x25519.publicKey, ed25519: keys.ed25519.publicKey });
  const existing = existingAgentQuads(turtle, webId);
  if (sameQuads(existing, wanted)) return false;
  await patchSparql(fetch, profileUrl, sparqlUpdate(existing, wanted));
  return true;
}

function sameQuads(a: Quad[], b: Quad[]): boolean {
  return a.length === b.length && a.every((q) => b.some((r) => q.equals(r)));
}
