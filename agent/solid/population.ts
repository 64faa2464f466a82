// The population directory: a container of registrations that authenticated agents may
// read and append to, but not change. A registration is only believed when it is signed
// by its own key and its keys are the WebID's (current, or retired and not yet expired),
// so nobody can register in someone else's name. A member that rotated its keys has
// several registrations: the one with its current keys counts.

import { containerMembers, parseRegistration, serializeRegistration } from '../../query-vocab/index.ts';
import type { PublicKeys, Registration } from '../../query-vocab/index.ts';
import { shortDigest } from '../core/digest.ts';
import { verifyRegistration } from '../core/registration.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { ownsKeys, readPeer, samePublicKeys, type Peer } from './peer.ts';
import { inParallel } from './in-parallel.ts';
import { ensureContainer, errorText, getTurtle, getTurtleIfExists, postTurtle, type Fetch } from './pod.ts';
import { DEFAULT_RETRY, withRetry } from './retry.ts';

/** Registrations (and their profiles) the querier reads at once. */
const POPULATION_READS_IN_FLIGHT = 32;

export interface Snapshot {
  members: Map<string, Registration>;
  /** Registrations left out, each with the reason. */
  skipped: Array<{ url: string; reason: string }>;
}

/** Where the queries of a population are announced (announcements.ts). */
export function announcementsOf(population: string): string {
  return new URL('announcements/', population).href;
}

/** The population, which members read and append to, and its announcements, which they read; only the owner changes anything. */
export async function createPopulation(fetch: Fetch, url: string, owner: string): Promise<boolean> {
  if (!url.endsWith('/')) throw new Error(`a population is a container: its URL must end with "/", not ${url}`);
  const created = await ensureContainer(fetch, url);
  await ensureAccess(fetch, url, POLICIES.population(owner));
  const announcements = announcementsOf(url);
  await ensureContainer(fetch, announcements);
  await ensureAccess(fetch, announcements, POLICIES.announcements(owner));
  return created;
}

/**
 * Appends `me`, which must be signed by its registrant (signRegistration) for this
 * population; after a key rotation, appends the registration of the new keys.
 */
export async function joinPopulation(fetch: Fetch, population: string, me: Registration): Promise<'joined' | 'already a member'> {
  // One read, whatever the population's size: a registration is named by WebID and keys.
  const url = new URL(registrationSlug(me), population).href;
  const found = await getTurtleIfExists(fetch, url);
  if (found !== undefined) {
    if (isOurs(found, url, me, population)) return 'already a member';
    // Someone else's post took that name (anyone may post here): look through them all.
    const known = (await loadPopulation(fetch, population, new PeerCache(fetch))).members.get(me.webId);
    if (known && samePublicKeys(known, me)) return 'already a member';
  }
  await postTurtle(fetch, population, serializeRegistration(me), registrationSlug(me));
  return 'joined';
}

/** Whether the document at our registration's name is our own, signed: anyone may post into a population. */
function isOurs(turtle: string, url: string, me: Registration, population: string): boolean {
  try {
    const found = parseRegistration(turtle, url);
    verifyRegistration(found, population);
    return found.webId === me.webId && samePublicKeys(found, me);
  } catch {
    return false;
  }
}

/**
 * Where a registration lives in its population: named by WebID and keys, so its member finds
 * it with one read. The extension is part of the name because NSS appends one to a slug
 * without it.
 */
export function registrationSlug(keys: Pick<Registration, 'webId' | 'ed25519'>): string {
  return `${legacyRegistrationSlug(keys)}.ttl`;
}

/** The name before NSS was supported: members who joined then are still found there. */
function legacyRegistrationSlug(keys: Pick<Registration, 'webId' | 'ed25519'>): string {
  return `r-${shortDigest(`${keys.webId} ${Buffer.from(keys.ed25519).toString('base64')}`)}`;
}

/**
 * Throws unless `me` registered in `population` with these keys: a plan may only zone
 * members who joined. One read, cached with the registrations.
 */
export async function assertRegistered(fetch: Fetch, population: string, me: Pick<Registration, 'webId' | 'ed25519' | 'x25519'>, cache: PeerCache): Promise<void> {
  const url = new URL(registrationSlug(me), population).href;
  const reg = await cache.registration(url, fetch).catch((error: Error) =>
    cache.registration(new URL(legacyRegistrationSlug(me), population).href, fetch).catch(() => {
      // The cause says whether reading again may find it (a network error is no verdict).
      throw new Error(`${me.webId} has no registration with the keys the plan pins in ${population} (${errorText(error)})`, { cause: error });
    }),
  );
  if (reg.webId !== me.webId || !samePublicKeys(reg, me)) {
    throw new Error(`the registration at ${url} is not that of ${me.webId} with the keys the plan pins`);
  }
  verifyRegistration(reg, population);
}

/** Registrations never change once posted, and public profiles rarely: one cache per process (per agent in an isolated host). */
export class PeerCache {
  private readonly registrations = new Map<string, Promise<Registration>>();
  private readonly peers = new Map<string, Promise<Peer>>();
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

  peer(webId: string): Promise<Peer> {
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

  /** The peer, read again once when the cached profile does not list `keys`: they may be newer than the cache. */
  async owning(webId: string, keys: PublicKeys): Promise<Peer> {
    const cached = await this.peer(webId);
    if (ownsKeys(cached, keys)) return cached;
    this.forget(webId);
    return this.peer(webId);
  }
}

export async function loadPopulation(fetch: Fetch, population: string, cache: PeerCache): Promise<Snapshot> {
  // Registrations are documents; the one container inside is the announcements.
  const urls = containerMembers(await getTurtle(fetch, population), population).filter((url) => !url.endsWith('/'));
  const valid: Array<{ url: string; reg: Registration; current: boolean }> = [];
  const skipped: Snapshot['skipped'] = [];
  // A few at a time, each read again after a failure that may pass: at 1000 members, all at
  // once, connections to a loaded server timed out and 76 members were left out of the plan.
  await inParallel(urls, POPULATION_READS_IN_FLIGHT, async (url) => {
    try {
      const { reg, profile } = await withRetry(DEFAULT_RETRY, async () => {
        const reg = await cache.registration(url, fetch);
        return { reg, profile: await cache.owning(reg.webId, reg) };
      });
      if (!ownsKeys(profile, reg) || profile.inbox !== reg.inbox) {
        throw new Error(`its keys or inbox differ from the profile of ${reg.webId}`);
      }
      verifyRegistration(reg, population);
      valid.push({ url, reg, current: samePublicKeys(profile, reg) });
    } catch (error) {
      skipped.push({ url, reason: (error as Error).message.split('\n')[0] });
    }
  });
  // A WebID registered twice rotated its keys: which pair is current only a fresh profile
  // says (a cached one may predate the rotation and call both current).
  const registrations = new Map<string, number>();
  for (const { reg } of valid) registrations.set(reg.webId, (registrations.get(reg.webId) ?? 0) + 1);
  const rotated = [...registrations].filter(([, n]) => n > 1).map(([webId]) => webId);
  for (const webId of rotated) {
    cache.forget(webId);
    const profile = await cache.peer(webId).catch(() => null);
    for (const v of valid) if (v.reg.webId === webId) v.current = profile !== null && samePublicKeys(profile, v.reg);
  }
  // One registration per WebID: the one with its current keys, else the first by URL.
  valid.sort((a, b) => Number(b.current) - Number(a.current) || a.url.localeCompare(b.url));
  const members = new Map<string, Registration>();
  for (const { url, reg } of valid) {
    if (members.has(reg.webId)) skipped.push({ url, reason: `${reg.webId} is registered twice; the registration with its current keys counts` });
    else members.set(reg.webId, reg);
  }
  return { members, skipped };
}
