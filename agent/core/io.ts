// What goes into a run (events, context) and what comes out (actions). A run is one
// agent's part in one query; it never performs I/O itself, the transport does what the
// actions say.

import type { AggregationPlan, AggregationQuery, AggregationResult, Announcement, Message, Registration, WebId } from '../../query-vocab/types.ts';
import type { ProtocolError } from './errors.ts';
import type { AgentKeys } from './keys.ts';
import type { RandomSource } from './random.ts';
import type { Prio3Outcome, Prio3Work } from './prio3-work.ts';
import type { Vec } from './ring.ts';
import type { CryptoSuite } from './suite.ts';

export type Event =
  /** The run begins: the querier announces, aggregators arm their timers. Idempotent. */
  | { type: 'start' }
  /**
   * The transport restarted from persisted state: the run re-emits all it still owes
   * (pending timers, unacknowledged sends, an evaluation not answered, a result not stored),
   * or starts if it was saved before starting.
   */
  | { type: 'resume' }
  /** A message from the inbox, parsed but unchecked: the run verifies everything. */
  | { type: 'message'; message: Message }
  | { type: 'timer'; name: string }
  /** The failure detector says webId is gone. */
  | { type: 'peerFailed'; webId: WebId }
  /** The send with this id reached its recipient's inbox: nothing more is owed for it. */
  | { type: 'delivered'; id: string }
  /** The send with this id could not be delivered for good: its recipient counts as failed. */
  | { type: 'undeliverable'; id: string }
  /** The result of a 'publish' action is written where readers find it. */
  | { type: 'resultStored' }
  /** The answer to an 'evaluate' action: the encoded rows and the consent decision id. */
  | { type: 'contribute'; vector: Vec; consent: string }
  | { type: 'decline'; reason: string }
  /** The answer to a 'prio3' action (validated queries): run it with performPrio3 (prio3-work.ts). */
  | { type: 'prio3Done'; work: Prio3Work; outcome: Prio3Outcome };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Action =
  /** Deliver, then answer 'delivered' (or 'undeliverable') with the same id. */
  | { type: 'send'; id: string; to: WebId; message: Message }
  /**
   * Make the querier's announcement (addressed to the population) known to every participant
   * `to`, then answer 'delivered' or 'undeliverable' with its id: the Solid transport posts it
   * once where the population's members watch, the simulator hands each a copy. The run is
   * over for everyone by `until`: the announcement may be ignored after.
   */
  | { type: 'announce'; id: string; to: WebId[]; until: number; message: Announcement }
  | { type: 'setTimer'; name: string; delayMs: number }
  /** Write the result document, then answer 'resultStored'. */
  | { type: 'publish'; result: AggregationResult }
  | { type: 'abort'; reason: string; code?: ProtocolError['code'] }
  | { type: 'log'; level: LogLevel; text: string }
  | { type: 'reject'; message: Message; error: ProtocolError }
  /** Check consent, evaluate the selection, then feed 'contribute' or 'decline'. */
  | { type: 'evaluate' }
  /** Validated queries: Prio3 work, asynchronous in the library; feed 'prio3Done' with its outcome. */
  | { type: 'prio3'; work: Prio3Work };

export interface RunContext {
  self: WebId;
  keys: AgentKeys;
  /** The population snapshot the plan was built from. */
  directory: ReadonlyMap<WebId, Registration>;
  query: AggregationQuery;
  plan: AggregationPlan;
  /** Milliseconds; the simulator's clock or Date.now in a transport. */
  now(): number;
  random: RandomSource;
  /** Sealing and signing; defaults to the real primitives (the simulator may stub them). */
  crypto?: CryptoSuite;
  /** The result document's IRI; defaults to the query IRI with '#result'. */
  resultId?: string;
}
