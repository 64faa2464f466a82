// The persistent state of a run: plain data, so a transport can write it after every
// event and a killed agent restarts where it stopped (the replay guard inside means a
// message fed twice is not counted twice). Vectors are BigUint64Arrays in memory and
// {"$vec": base64 of little-endian bytes} in the JSON; byte arrays are {"$bytes": base64}.
//
// The state holds plaintext shares and sums: keep it with the private keys (a local
// folder, mode 0600), never in a pod.

import type { AggregationResult, Message, WebId } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';
import { bytesToVec, vecToBytes, type Vec } from './ring.ts';

/** What every partial sum carries besides the sum itself. */
export interface VersionedSum {
  version: string;
  counter: number;
  included: number;
  received: number;
  /** No better version will follow unless an aggregator fails (a share is always final; see aggregator.ts settled). */
  final: boolean;
  /** Validated queries: contributions rejected as invalid below this sum. */
  rejected?: number;
}

/** The latest input a slot holds from one contributor (leaf) or child group (inner). */
export interface InputState extends VersionedSum {
  sum: Vec;
}

/** A partial sum as it reaches the querier. null: the root refused a sum of too few contributors. */
export interface RootAggregate extends VersionedSum {
  sum: Vec | null;
}

export interface Emission extends RootAggregate {
  /** Where it went: the parent position's holder, or the querier. */
  to: WebId | null;
}

export type SlotPhase = 'collecting' | 'syncing' | 'emitted' | 'aborted';

/** One aggregator position this agent holds (as planned member or as backup). */
export interface SlotState {
  group: string;
  position: number;
  /** Rank in the slot's candidate chain: 0 = planned member. */
  rank: number;
  leaf: boolean;
  /** Absolute time at which the slot stops waiting for inputs. */
  deadline: number;
  /** The deadline passed (ready) and, when syncing, the sync wait passed. */
  readyForced: boolean;
  syncExpired: boolean;
  phase: SlotPhase;
  inputs: Record<string, InputState>;
  /** Zone members (leaf) that said they send no share. */
  abstained: WebId[];
  /** Latest confirmation per peer position, and which holder sent it. */
  peers: Record<string, { entries: string[]; sentAt: string; from: WebId }>;
  /** The entries of this slot's last confirmation. */
  confirmed: string[] | null;
  emitted: Emission | null;
  /** When the last version went out: corrections wait a sync period after it. (Absent from states saved before it existed.) */
  emittedAt?: number;
  emissions: number;
  /** Every version this slot sent and the entries it covers (an audit trail). */
  versions: Record<string, string[]>;
  /** Validated queries, at a leaf: the Prio3 check of the contributions (leaf-check.ts). */
  check?: LeafCheck;
}

/** A leaf position's check of validated contributions; byte arrays are kept as they came. */
export interface LeafCheck {
  /** This holder's part of the verification key (hex), and each other position's, with who sent it. */
  seed: string;
  seeds: Record<string, { seed: string; from: WebId }>;
  /** The key (hex) from every current holder's seed; null while one is missing. */
  key: string | null;
  /** The key this holder's last confirmation carried prep shares under (a new key needs a new confirmation). */
  confirmedKey?: string | null;
  /** Contributors' opened payloads (Prio3 public and input shares). */
  payloads: Record<WebId, Uint8Array>;
  /** This holder's prep share per contributor under `key` (empty: the payload could not be prepared). */
  prep: Record<WebId, Uint8Array>;
  /** Each peer position's prep shares from its latest confirmation, with the tag of the key they were made under. */
  peerPrep: Record<string, { key: string; from: WebId; shares: Record<WebId, Uint8Array> }>;
  /** Contributors whose proof failed under `key`, with the reason (valid ones have their output share as input sum). */
  rejected: Record<WebId, string>;
  /** Work asked of the transport and not yet answered, so it is asked once. */
  asked: Record<string, true>;
}

/** A zone member's answer to its leaf group: shares, or an abstention. */
export type ContributorState =
  | {
      kind: 'shares';
      leaf: string;
      consent: string;
      /** Kept so a share can be re-sent to a backup that replaces a failed member. */
      shares: Vec[];
      /** Each position's holder the answer went to. */
      sentTo: Array<WebId | null>;
    }
  | {
      /** A validated query's answer: each position's Prio3 payload (public share, input share, proof share). */
      kind: 'payloads';
      leaf: string;
      consent: string;
      payloads: Uint8Array[];
      sentTo: Array<WebId | null>;
    }
  | { kind: 'abstention'; leaf: string; sentTo: Array<WebId | null> };

/** k root positions' sums (t for Shamir) of one version, by position. */
export type AgreedShares = Array<[number, RootAggregate]>;

export interface QuerierState {
  deadline: number;
  /** The latest sum of each root position. */
  positions: Record<string, RootAggregate>;
  /**
   * Every version a root position sent that could still beat `best`, by version then
   * position: a version's share at a position is the same sum whenever it is sent, so k
   * positions that each sent it, at different times, agree on it. (Absent from states saved
   * before it existed: read as empty.)
   */
  sent?: Record<string, Record<string, RootAggregate>>;
  /**
   * The usable agreed version with the most contributors seen so far: churn can later split
   * the positions over newer, transient versions, and the result is never worse than this.
   * (Absent from states saved before it existed: read as null.)
   */
  best: AgreedShares | null;
  outcome: 'pending' | 'published' | 'aborted';
  result: AggregationResult | null;
  /** The transport said the result document is written; until then a resume publishes it again. */
  stored: boolean;
  /** The root version the result reconstructs (audit: walk the slots' versions down). */
  version: string | null;
}

/** A message the run sent and the transport has not yet acknowledged as delivered. */
export interface Outgoing {
  /** The recipient; the population for the querier's announcement. */
  to: WebId;
  message: Message;
}

export interface RunState {
  format: 3;
  self: WebId;
  query: string;
  startedAt: number | null;
  /** The contributor role asked the transport to evaluate (once). */
  evaluated: boolean;
  failed: WebId[];
  /** ReplayGuard snapshot. */
  replay: string[];
  /** Pending timers: name → absolute due time. */
  timers: Record<string, number>;
  /** Sends not yet acknowledged, by id: a resume sends them again (receivers drop copies as replays). */
  outbox: Record<string, Outgoing>;
  /** How many sends the run has made: the next send's id. */
  sends: number;
  contributor: ContributorState | null;
  declined: string | null;
  /** Keyed by slotKey(group, position). */
  slots: Record<string, SlotState>;
  querier: QuerierState | null;
}

export function slotKey(group: string, position: number): string {
  return `${group}#${position}`;
}

export function initialState(self: WebId, query: string): RunState {
  return {
    format: 3,
    self,
    query,
    startedAt: null,
    evaluated: false,
    failed: [],
    replay: [],
    timers: {},
    outbox: {},
    sends: 0,
    contributor: null,
    declined: null,
    slots: {},
    querier: null,
  };
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export function serialiseState(state: RunState): string {
  // JSON.stringify calls a Buffer's toJSON before the replacer sees it (Prio3's payloads and
  // prep shares are Buffers): read the holder's own value, not the one handed in.
  return JSON.stringify(state, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw instanceof BigUint64Array) return { $vec: b64(vecToBytes(raw)) };
    if (raw instanceof Uint8Array) return { $bytes: b64(raw) };
    return value;
  });
}

export function deserialiseState(text: string): RunState {
  const state = JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      if (typeof o.$vec === 'string') return bytesToVec(unb64(o.$vec));
      if (typeof o.$bytes === 'string') return unb64(o.$bytes);
    }
    return value;
  }) as RunState;
  // Earlier formats kept unsent messages elsewhere (1) or no abstentions (2): resuming them here would lose what they owe.
  if (state?.format !== 3) throw new ProtocolError('bad-input', 'not a podagg run state of format 3 (a run saved by an earlier build is finished with that build)');
  return state;
}
