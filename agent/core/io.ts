// What goes into a run (events, context) and what comes out (actions). A run is one
// agent's part in one query; it never performs I/O itself, the transport does what the
// actions say.

import type { AggregationPlan, AggregationQuery, AggregationResult, Message, Registration, WebId } from '../../query-vocab/types.ts';
import type { ProtocolError } from './errors.ts';
import type { AgentKeys } from './keys.ts';
import type { RandomSource } from './random.ts';
import type { Vec } from './ring.ts';
import type { CryptoSuite } from './suite.ts';

export type Event =
  /** The run begins: the querier announces, aggregators arm their timers. Idempotent. */
  | { type: 'start' }
  /** The transport restarted from persisted state: re-arms the pending timers. */
  | { type: 'resume' }
  /** A message from the inbox, parsed but unchecked: the run verifies everything. */
  | { type: 'message'; message: Message }
  | { type: 'timer'; name: string }
  /** The failure detector says webId is gone (e.g. a send to it failed). */
  | { type: 'peerFailed'; webId: WebId }
  /** The answer to an 'evaluate' action: the encoded rows and the consent decision id. */
  | { type: 'contribute'; vector: Vec; consent: string }
  | { type: 'decline'; reason: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Action =
  | { type: 'send'; to: WebId; message: Message }
  | { type: 'setTimer'; name: string; delayMs: number }
  | { type: 'publish'; result: AggregationResult }
  | { type: 'abort'; reason: string; code?: ProtocolError['code'] }
  | { type: 'log'; level: LogLevel; text: string }
  | { type: 'reject'; message: Message; error: ProtocolError }
  /** Check consent, evaluate the selection, then feed 'contribute' or 'decline'. */
  | { type: 'evaluate' };

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
