// Replay protection. A logical message is identified by its type, query, sender, group,
// position and counter (not its timestamp). Seeing the same content again is a replay (or
// a harmless retransmission) and is ignored; seeing different content under the same key
// is a conflicting duplicate, e.g. a contributor sending two different shares.

import { createHash } from 'node:crypto';
import type { Message } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';
import { canonicalJson } from './sign.ts';

export function messageKey(m: Message): string {
  const group = 'group' in m ? m.group : '';
  const position = 'position' in m ? m.position : -1;
  const counter = m.type === 'PartialAggregate' ? m.counter : 0;
  return JSON.stringify([m.type, m.query, m.sender, group, position, counter]);
}

// The content digest leaves out sentAt and the signature, so a retransmission of the same
// content counts as a replay rather than a conflict.
function contentDigest(m: Message): string {
  const { sentAt: _sentAt, signature: _signature, ...content } = m;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/**
 * Remembers (key, digest) pairs; snapshot() entries are 'digest key' strings. A message's
 * digest is taken only when needed (a second message under its key, or a snapshot): most
 * keys are never seen twice, and hashing every announcement was most of a large
 * simulation's time.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, string | Message>();
  /** The message check() last keyed: a run records it right after (one key per message). */
  private checked: Message | null = null;
  private checkedKey = '';

  constructor(seen: Iterable<string> = []) {
    for (const entry of seen) {
      const space = entry.indexOf(' ');
      if (space !== 64) throw new ProtocolError('bad-input', `not a replay guard entry: ${entry.slice(0, 80)}`);
      this.seen.set(entry.slice(space + 1), entry.slice(0, space));
    }
  }

  /** Throws 'replayed' (same content seen) or 'duplicate-contribution'; records nothing. */
  check(m: Message): void {
    const key = messageKey(m);
    this.checked = m;
    this.checkedKey = key;
    const previous = this.digest(key);
    if (previous === undefined) return;
    if (previous === contentDigest(m)) throw new ProtocolError('replayed', `${m.type} from ${m.sender} was already received`);
    throw new ProtocolError('duplicate-contribution', `${m.sender} sent a different ${m.type} for the same slot`);
  }

  /**
   * Remembers m. Called once m was accepted, its payload opened: a message that failed to
   * open (sealed to another key, tampered) had no effect and must not take the slot of the
   * sender's genuine message, which would then be refused as a duplicate.
   */
  record(m: Message): void {
    this.seen.set(m === this.checked ? this.checkedKey : messageKey(m), m);
    this.checked = null;
  }

  snapshot(): string[] {
    return [...this.seen.keys()].map((key) => `${this.digest(key)} ${key}`);
  }

  private digest(key: string): string | undefined {
    const entry = this.seen.get(key);
    if (entry === undefined || typeof entry === 'string') return entry;
    const digest = contentDigest(entry);
    this.seen.set(key, digest);
    return digest;
  }
}
