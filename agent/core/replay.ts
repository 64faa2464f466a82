// Replay protection. A logical message is identified by its type, query, sender, group,
// position and counter (not its timestamp). Seeing the same content again is a replay (or
// a harmless retransmission) and is ignored; seeing different content under the same key
// is a conflicting duplicate, e.g. a contributor sending two different shares.

import { createHash } from 'node:crypto';
import type { Message, WebId } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';
import { canonicalJson } from './sign.ts';

const groupOf = (m: Message): string => ('group' in m ? m.group : '');
const positionOf = (m: Message): number => ('position' in m ? m.position : -1);
const counterOf = (m: Message): number => (m.type === 'PartialAggregate' ? m.counter : 0);

export function messageKey(m: Message): string {
  return JSON.stringify([m.type, m.query, m.sender, groupOf(m), positionOf(m), counterOf(m)]);
}

// The content digest leaves out sentAt and the signature, so a retransmission of the same
// content counts as a replay rather than a conflict.
function contentDigest(m: Message): string {
  const { sentAt: _sentAt, signature: _signature, ...content } = m;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** A remembered message reduced to its key and digest: restored from a snapshot, or digested once. */
class Digested {
  constructor(
    readonly key: string,
    readonly digest: string,
  ) {}
}

type Entry = Message | Digested;

function keyOf(e: Entry): string {
  return e instanceof Digested ? e.key : messageKey(e);
}

/** Whether e is under m's key, compared field by field: a key string per message was most of what a large simulation kept. */
function sameKey(e: Entry, m: Message): boolean {
  if (e instanceof Digested) return e.key === messageKey(m);
  return e.type === m.type && e.query === m.query && e.sender === m.sender && groupOf(e) === groupOf(m) && positionOf(e) === positionOf(m) && counterOf(e) === counterOf(m);
}

/**
 * Remembers (key, digest) pairs; snapshot() entries are 'digest key' strings. A message's
 * digest is taken only when needed (a second message under its key, or a snapshot): most
 * keys are never seen twice, and hashing every announcement was most of a large
 * simulation's time. Entries are found by sender: most senders send a run one message
 * (a share or an abstention to each position), compared field by field; a sender that sent
 * more (an aggregator's versions) has its entries keyed.
 */
export class ReplayGuard {
  /** By sender: its one entry, or its entries by key once it sent more (an aggregator's versions). */
  private readonly seen = new Map<WebId, Entry | Map<string, Entry>>();

  constructor(seen: Iterable<string> = []) {
    for (const entry of seen) {
      const space = entry.indexOf(' ');
      const key = entry.slice(space + 1);
      const sender: unknown = space === 64 ? parsedKey(key)?.[2] : undefined;
      if (typeof sender !== 'string') throw new ProtocolError('bad-input', `not a replay guard entry: ${entry.slice(0, 80)}`);
      this.put(sender, new Digested(key, entry.slice(0, space)));
    }
  }

  /** Throws 'replayed' (same content seen) or 'duplicate-contribution'; records nothing. */
  check(m: Message): void {
    const previous = this.find(m);
    if (previous === undefined) return;
    if (this.digest(m.sender, previous) === contentDigest(m)) throw new ProtocolError('replayed', `${m.type} from ${m.sender} was already received`);
    throw new ProtocolError('duplicate-contribution', `${m.sender} sent a different ${m.type} for the same slot`);
  }

  /**
   * Remembers m. Called once m was accepted, its payload opened: a message that failed to
   * open (sealed to another key, tampered) had no effect and must not take the slot of the
   * sender's genuine message, which would then be refused as a duplicate.
   */
  record(m: Message): void {
    this.put(m.sender, m);
  }

  snapshot(): string[] {
    const out: string[] = [];
    for (const [sender, held] of this.seen) {
      for (const e of held instanceof Map ? held.values() : [held]) out.push(`${this.digest(sender, e)} ${keyOf(e)}`);
    }
    return out;
  }

  /** Adds e, or puts it in place of the entry under its key. */
  private put(sender: WebId, e: Entry): void {
    const held = this.seen.get(sender);
    if (held === undefined) {
      this.seen.set(sender, e);
    } else if (held instanceof Map) {
      held.set(keyOf(e), e);
    } else {
      const key = keyOf(e);
      const heldKey = keyOf(held);
      this.seen.set(sender, heldKey === key ? e : new Map([[heldKey, held], [key, e]]));
    }
  }

  private find(m: Message): Entry | undefined {
    const held = this.seen.get(m.sender);
    if (held instanceof Map) return held.get(messageKey(m));
    return held !== undefined && sameKey(held, m) ? held : undefined;
  }

  /** The entry's digest, kept in its message's place once taken (a transport snapshots after every event). */
  private digest(sender: WebId, e: Entry): string {
    if (e instanceof Digested) return e.digest;
    const digested = new Digested(messageKey(e), contentDigest(e));
    this.put(sender, digested);
    return digested.digest;
  }
}

function parsedKey(key: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(key);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
