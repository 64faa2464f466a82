// The population directory: a container of registrations that authenticated agents may
// read and append to, but not change. A registration is only believed when its keys match
// the WebID profile, so nobody can register in someone else's name.

import { containerMembers } from '../../query-vocab/container.ts';
import { parseRegistration, serializeRegistration } from '../../query-vocab/index.ts';
import type { Registration } from '../../query-vocab/types.ts';
import { verifyRegistration } from '../core/registration.ts';
import { ensureAcl } from './provision.ts';
import { readPeer } from './peer.ts';
import { ensureContainer, getTurtle, postTurtle, type Fetch } from './pod.ts';

export interface Snapshot {
  members: Map<string, Registration>;
  /** Registrations left out, each with the reason. */
  skipped: Array<{ url: string; reason: string }>;
}

export async function createPopulation(fetch: Fetch, url: string, owner: string): Promise<boolean> {
  if (!url.endsWith('/')) throw new Error(`a population is a container: its URL must end with "/", not ${url}`);
  const created = await ensureContainer(fetch, url);
  await ensureAcl(fetch, url, [
    { name: 'owner', agents: [owner], modes: ['Read', 'Write', 'Control'], inherit: true },
    { name: 'members', authenticated: true, modes: ['Read', 'Append'], inherit: false },
    { name: 'entries', authenticated: true, modes: ['Read'], inherit: true },
  ]);
  return created;
}

/** Appends `me`, which must be signed by its registrant (signRegistration) for this population. */
export async function joinPopulation(fetch: Fetch, population: string, me: Registration, cache = new PeerCache(fetch)): Promise<'joined' | 'already a member'> {
  const snapshot = await loadPopulation(fetch, population, cache);
  if (snapshot.members.has(me.webId)) return 'already a member';
  await postTurtle(fetch, population, serializeRegistration(me));
  return 'joined';
}

/** Registrations never change once posted, and public profiles rarely: one cache per process. */
export class PeerCache {
  private readonly registrations = new Map<string, Promise<Registration>>();
  private readonly peers = new Map<string, Promise<Registration>>();
  constructor(private readonly fetch: Fetch) {}

  /** Registrations are read with the reader's own authenticated fetch. */
  registration(url: string, fetch: Fetch): Promise<Registration> {
    if (!this.registrations.has(url)) {
      const p = getTurtle(fetch, url).then((t) => parseRegistration(t, url));
      p.catch(() => this.registrations.delete(url));
      this.registrations.set(url, p);
    }
    return this.registrations.get(url)!;
  }

  peer(webId: string): Promise<Registration> {
    if (!this.peers.has(webId)) {
      const p = readPeer(webId, this.fetch);
      p.catch(() => this.peers.delete(webId));
      this.peers.set(webId, p);
    }
    return this.peers.get(webId)!;
  }

  forget(webId: string): void {
    this.peers.delete(webId);
  }
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function loadPopulation(fetch: Fetch, population: string, cache: PeerCache): Promise<Snapshot> {
  const urls = containerMembers(await getTurtle(fetch, population), population);
  const members = new Map<string, Registration>();
  const skipped: Snapshot['skipped'] = [];
  await Promise.all(
    urls.map(async (url) => {
      try {
        const reg = await cache.registration(url, fetch);
        const profile = await cache.peer(reg.webId);
        if (!same(profile.x25519, reg.x25519) || !same(profile.ed25519, reg.ed25519) || profile.inbox !== reg.inbox) {
          throw new Error(`its keys or inbox differ from the profile of ${reg.webId}`);
        }
        verifyRegistration(reg, population);
        if (members.has(reg.webId)) throw new Error(`${reg.webId} is registered twice`);
        members.set(reg.webId, reg);
      } catch (error) {
        skipped.push({ url, reason: (error as Error).message.split('\n')[0] });
      }
    }),
  );
  return { members, skipped };
}
