// How members learn of a query: the population's owner, as querier, posts one signed
// announcement into the population's announcements container, which every member watches
// (a notification each, over the channel the agent keeps open), instead of a message into
// each member's inbox. That saves the querier a post per member and each member the read
// and deletion of a message. Only the owner may post there (its access rules), so nobody
// can make the whole population fetch a URL of their choosing with one post; another
// querier's post is refused, and its run announces into each inbox instead (protocol.ts).
// An announcement's name starts with the instant its run is over for everyone, so an agent
// that lists the container skips the ended ones without reading them.

import type { Message } from '../../query-vocab/index.ts';
import { shortDigest } from '../core/digest.ts';

/** The name of an announcement: when its run is over for everyone, then which query. */
export function announcementSlug(until: number, query: string): string {
  return `a-${Math.ceil(until)}-${shortDigest(query)}`;
}

/** Whether the announcement at `url` is for a run over by `now`; a name of another form is read. */
export function isOver(url: string, now: number): boolean {
  const until = /\/a-(\d+)-[^/]*$/.exec(url)?.[1];
  return until !== undefined && Number(until) < now;
}

/** Throws, naming what is wrong, unless `m` is an announcement addressed to `population`. */
export function checkAnnouncement(m: Message, population: string): void {
  if (m.type !== 'Announcement') throw new Error(`a ${m.type} is not an announcement`);
  if (m.recipient !== population) throw new Error(`the announcement is addressed to ${m.recipient}, not to the population ${population}`);
}
