// Every access policy podagg sets, and how it sets one on a server of either mechanism:
// a WAC ACL document or an ACP Access Control Resource, whichever the resource's rel="acl"
// link names. A policy is read back after it is written: a server that ignores the write,
// or a document someone else changed, stops provisioning with the difference named.

import LinkHeader from 'http-link-header';
import { ACP, aclGrants, aclTurtle, acrGrants, acrTurtle, grantDifferences, grantsOf, type AccessRule } from '../../query-vocab/index.ts';
import { aclUrlOf, getTurtleIfExists, putTurtle, type Fetch } from './pod.ts';

export type Mechanism = 'wac' | 'acp';

export interface AccessDocument {
  mechanism: Mechanism;
  url: string;
}

export class AccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessError';
  }
}

const owner = (webId: string, inherit: boolean): AccessRule => ({ name: 'owner', to: [{ kind: 'agent', webId }], modes: ['Read', 'Write', 'Control'], inherit });

/** The policies podagg sets, by resource. */
export const POLICIES = {
  /** Others may post messages, and neither read nor list them. */
  inbox: (me: string): AccessRule[] => [owner(me, true), { name: 'append', to: [{ kind: 'authenticated' }], modes: ['Append'], inherit: false }],
  /** Presence and the extended profile: peers read them. */
  publicDocument: (me: string): AccessRule[] => [owner(me, false), { name: 'public', to: [{ kind: 'public' }], modes: ['Read'], inherit: false }],
  /** Queries, plans and results: anyone reads them. */
  publicContainer: (me: string): AccessRule[] => [owner(me, true), { name: 'public', to: [{ kind: 'public' }], modes: ['Read'], inherit: true }],
  /** A population's announcements: members read them, only the owner posts one (announcements.ts). */
  announcements: (me: string): AccessRule[] => [owner(me, true), { name: 'members', to: [{ kind: 'authenticated' }], modes: ['Read'], inherit: true }],
  /** Members list and append registrations; nobody but the owner changes one. */
  population: (me: string): AccessRule[] => [
    owner(me, true),
    { name: 'members', to: [{ kind: 'authenticated' }], modes: ['Read', 'Append'], inherit: false },
    { name: 'entries', to: [{ kind: 'authenticated' }], modes: ['Read'], inherit: true },
  ],
  /** The consent policy and log. */
  ownerOnly: (me: string): AccessRule[] => [owner(me, true)],
};

/**
 * Which mechanism guards `resource`, and where its access document is: an ACR says so in
 * its type link even before it exists (Inrupt's acp_ess_2 detection reads the ACR, and
 * takes a resource whose ACR is still empty, answering 404 on CSS, for WAC).
 */
export async function accessDocumentOf(fetch: Fetch, resource: string): Promise<AccessDocument> {
  const url = await aclUrlOf(fetch, resource);
  const head = await fetch(url, { method: 'HEAD' });
  const types = LinkHeader.parse(head.headers.get('link') ?? '').rel('type').map((l) => l.uri);
  return { mechanism: types.includes(ACP.AccessControlResource) ? 'acp' : 'wac', url };
}

/**
 * Sets the rules unless the access document already grants exactly them; true when it
 * wrote. Throws an AccessError when what the server then holds differs.
 */
export async function ensureAccess(fetch: Fetch, resource: string, rules: AccessRule[]): Promise<boolean> {
  const doc = await accessDocumentOf(fetch, resource);
  if ((await differences(fetch, doc, resource, rules)).length === 0) return false;
  const write = doc.mechanism === 'acp' ? acrTurtle : aclTurtle;
  await putTurtle(fetch, doc.url, write(doc.url, resource, rules));
  const left = await differences(fetch, doc, resource, rules);
  if (left.length > 0) throw new AccessError(`${resource}: after podagg set its access, the ${doc.mechanism.toUpperCase()} document ${doc.url} ${left.join('; ')}`);
  return true;
}

/** How the access document of `resource` differs from the rules, one sentence each. */
export async function checkAccess(fetch: Fetch, resource: string, rules: AccessRule[]): Promise<string[]> {
  return differences(fetch, await accessDocumentOf(fetch, resource), resource, rules);
}

async function differences(fetch: Fetch, doc: AccessDocument, resource: string, rules: AccessRule[]): Promise<string[]> {
  const turtle = (await getTurtleIfExists(fetch, doc.url)) ?? '';
  const read = doc.mechanism === 'acp' ? acrGrants : aclGrants;
  return grantDifferences(grantsOf(rules), read(turtle, doc.url, resource));
}
