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

/** Remembers (key, digest) pairs; snapshot() entries are 'digest key' strings. */
export class ReplayGuard {
  private readonly seen = new Map<string, string>();

  constructor(seen: Iterable<string> = []) {
    for (const entry of seen) {
      const space = entry.indexOf(' ');
      if (space !== 64) throw new ProtocolError('bad-input', `not a replay guard entry: ${entry.slice(0, 80)}`);
      this.seen.set(entry.slice(space + 1), entry.slice(0, space));
    }
  }

  /** Records m, or throws 'replayed' (same content seen) or 'duplicate-contribution'. */
  check(m: Message): void {
    const key = messageKey(m);
    const digest = contentDigest(m);
    const previous = this.seen.get(key);
    if (previous === digest) throw new ProtocolError('replayed', `${m.type} from ${m.sender} was already received`);
    if (previous !== undefined) {
      throw new ProtocolError('duplicate-contribution', `${m.sender} sent a different ${m.type} for the same slot`);
    }
    this.seen.set(key, digest);
  }

  snapshot(): string[] {
    return [...this.seen].map(([key, digest]) => `${digest} ${key}`);
  }
}
