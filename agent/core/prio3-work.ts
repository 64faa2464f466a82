// The Prio3 computations of a validated query, as work the run asks its transport to do:
// the library's calls are asynchronous, and a run only ever returns actions. The transport
// calls performPrio3 and feeds the outcome back as a 'prio3Done' event; the run checks that
// the outcome is still wanted (same key, same contributor) before it uses it.

import type { WebId } from '../../query-vocab/types.ts';
import type { Validation } from './circuits.ts';
import { ProtocolError } from './errors.ts';
import { finishPreparation, prepareShare, shardContribution, type Verdict } from './prio3.ts';
import type { RandomSource } from './random.ts';
import type { Vec } from './ring.ts';

export type Prio3Work =
  /** Contributor: shard its encoded vector into one payload per leaf position. */
  | { kind: 'shard'; vector: Vec; consent: string }
  /** Leaf member: its prep share for one contributor's payload under the group's key. */
  | { kind: 'prepare'; group: string; position: number; contributor: WebId; key: Uint8Array; payload: Uint8Array }
  /** Leaf member: combine the k prep shares (position order) and keep the output share if the proof holds. */
  | { kind: 'verify'; group: string; position: number; contributor: WebId; key: Uint8Array; payload: Uint8Array; prepShares: Uint8Array[] };

export type Prio3Outcome =
  | { kind: 'sharded'; payloads: Uint8Array[] }
  /** An empty prep share says the payload could not be prepared: every member then rejects it. */
  | { kind: 'prepared'; prepShare: Uint8Array; problem?: string }
  | { kind: 'verified'; verdict: Verdict };

export type Prio3Performer = (v: Validation, k: number, work: Prio3Work, random: RandomSource) => Promise<Prio3Outcome>;

export async function performPrio3(v: Validation, k: number, work: Prio3Work, random: RandomSource): Promise<Prio3Outcome> {
  switch (work.kind) {
    case 'shard':
      return { kind: 'sharded', payloads: await shardContribution(v, work.vector, k, random) };
    case 'prepare':
      try {
        return { kind: 'prepared', prepShare: await prepareShare(v, work.key, k, work.position, work.payload) };
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        return { kind: 'prepared', prepShare: new Uint8Array(0), problem: error.message };
      }
    case 'verify':
      return { kind: 'verified', verdict: await finishPreparation(v, work.key, k, work.position, work.payload, work.prepShares) };
  }
}
