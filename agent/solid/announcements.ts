// How members learn of a query: the querier posts one signed announcement into its
// population's announcements container, which every member watches (a notification each,
// over the channel the agent keeps open), instead of a message into each member's inbox.
// That saves the querier a post per member and each member the read and deletion of a
// message. Anyone signed in may post there, and a querier need not be a member, so an
// announcement is believed, before anything is fetched, only if its sender signed it with
// the key of its profile and names a query and plan in its own pod: a forged one cannot
// make the population fetch someone else's documents. Its name starts with the instant its
// run is over for everyone, so an agent that lists the container skips the ended ones
// without reading them.

import type { Message } from '../../query-vocab/index.ts';
import { shortDigest } from '../core/digest.ts';
import { verifyMessage } from '../core/sign.ts';
import { queriesOfInbox } from './layout.ts';
import type { PeerCache } from './population.ts';

/** The name of an announcement: when its run is over for everyone, then which query. */
export function announcementSlug(until: number, query: string): string {
  return `a-${Math.ceil(until)}-${shortDigest(query)}`;
}

/** Whether the announcement at `url` is for a run over by `now`; a name of another form is read. */
export function isOver(url: string, now: number): boolean {
  const until = /\/a-(\d+)-[^/]*$/.exec(url)?.[1];
  return until !== undefined && Number(until) < now;
}

/** Throws, naming what is wrong, unless `m` is an announcement to `population`, signed by its sender, of a query in the sender's pod. */
export async function checkAnnouncement(m: Message, population: string, peers: PeerCache): Promise<void> {
  if (m.type !== 'Announcement') throw new Error(`a ${m.type} is not an announcement`);
  if (m.recipient !== population) throw new Error(`the announcement is addressed to ${m.recipient}, not to the population ${population}`);
  let peer = await peers.peer(m.sender);
  try {
    verifyMessage(m, peer.ed25519);
  } catch {
    // The cached keys may predate a rotation: read them again, once.
    peers.forget(m.sender);
    peer = await peers.peer(m.sender);
    verifyMessage(m, peer.ed25519);
  }
  const own = queriesOfInbox(peer.inbox);
  for (const url of [m.query, m.plan]) {
    if (!url.startsWith(own)) throw new Error(`the announcement names ${url}, outside its sender's queries ${own}`);
  }
}
