// The contributor's evaluation step, the answer to the run's 'evaluate' action: the
// owner's consent first, with the data scope resolved to documents and both recorded in
// the pod's consent log; only then the selection over those documents, under its time
// limit, encoded for the run. A scope naming what is not there is a refusal ("scope
// missing"). It returns the core's event ('contribute' or 'decline') and never throws: a
// failure is a decline with its reason.
// Each pod step is retried while the pod is away, so a server restart costs no contribution.
// A training or evaluation aggregate also reads the model its query links (model-fetch.ts)
// and runs the built-in trainer over the rows; a model that cannot be used is a decline
// that says why ("model refused: …").

import type { AggregationPlan, AggregationQuery } from '../../query-vocab/index.ts';
import { decideConsent, type ConsentVerdict } from '../core/consent.ts';
import { encodeRows, type ComputedBlocks, type Row } from '../core/encoding.ts';
import { evaluationCounts, modelShape, trainingUpdate } from '../core/model-update.ts';
import { layoutOf, type Event } from '../core/protocol.ts';
import type { ConsentLog } from './consent-store.ts';
import { resolveScope } from './data-scope.ts';
import { evaluateSelection } from './evaluate.ts';
import type { RunEvent } from './events.ts';
import { ModelRefused, fetchModel } from './model-fetch.ts';
import type { Fetch } from './pod.ts';
import type { PolicySource } from './policy-source.ts';
import { isTransient, withRetry, type RetryPolicy } from './retry.ts';

export interface EvaluationContext {
  fetch: Fetch;
  webId: string;
  podUrl: string;
  policy: PolicySource;
  consentLog: ConsentLog;
  now(): number;
  retry: RetryPolicy;
  timeLimitMs: number;
  record(event: Omit<RunEvent, 'at' | 'webId' | 'query'>): void;
}

const SCOPE_MISSING = 'scope missing';
const NO_ROWS = 'no matching data: the selection found no rows in the data scope';

export async function evaluateContribution(c: EvaluationContext, query: AggregationQuery, plan: AggregationPlan): Promise<Event> {
  const retried = <T>(task: () => Promise<T>) => withRetry(c.retry, task);
  try {
    const policy = await retried(() => c.policy.read());
    await retried(() => c.consentLog.history()); // the first completes the mirror from the pod
    // Decided and recorded as one step: a budget seen by two queries at once would be spent twice.
    const { verdict, documents, decision } = await c.consentLog.exclusive(async (history) => {
      let verdict: ConsentVerdict = policy
        ? decideConsent(policy, query, plan, history, c.now())
        : { accepted: false, reason: 'no consent policy: the owner has not set one (podagg consent set)' };
      let documents: string[] = [];
      if (verdict.accepted && policy) {
        const scope = await retried(() => resolveScope(c.fetch, c.webId, policy));
        if ('missing' in scope) verdict = { accepted: false, reason: `${SCOPE_MISSING}: ${scope.missing}` };
        else documents = scope.documents;
      }
      const at = new Date(c.now()).toISOString();
      const spends = verdict.accepted ? verdict.spends : undefined;
      const entry = { owner: c.webId, query: query.id, accepted: verdict.accepted, reason: verdict.reason, at, documents, querier: query.querier, purposes: query.purposes, ...spends };
      return { verdict, documents, decision: await retried(() => c.consentLog.append(entry)) };
    });
    // A missing scope is the owner's to fix: "consent refused" would blame the query.
    const text = verdict.accepted ? `consent given: ${verdict.reason}` : verdict.reason.startsWith(SCOPE_MISSING) ? verdict.reason : `consent refused: ${verdict.reason}`;
    c.record({ kind: 'consent', accepted: verdict.accepted, reason: verdict.reason, text });
    if (!verdict.accepted || !policy) return { type: 'decline', reason: verdict.reason };
    const watched = watchFailures(c.fetch);
    const selection = { fetch: watched.fetch, selection: query.selection, aggregates: query.aggregates, dataScope: policy.dataScope, documents, timeLimitMs: c.timeLimitMs };
    const rows = await withRetry(c.retry, () => evaluateSelection(selection), async () => watched.failedSinceLastAsked() || (await podAway(c)));
    if (rows.length === 0 && !query.hideParticipation) {
      c.record({ kind: 'log', text: NO_ROWS });
      return { type: 'decline', reason: NO_ROWS };
    }
    const computed = await computeBlocks(c, query, rows);
    const vector = encodeRows(layoutOf({ query, plan }), rows, computed);
    c.record({ kind: 'contributed', text: `contributing ${rows.length} rows` });
    return { type: 'contribute', vector, consent: decision };
  } catch (error) {
    const reason = error instanceof ModelRefused ? error.message : `evaluation failed: ${(error as Error).message}`;
    c.record({ kind: 'log', text: reason });
    return { type: 'decline', reason };
  }
}

/** Each training or evaluation aggregate's block: its model read (retried while its pod is away), its trainer run. */
async function computeBlocks(c: EvaluationContext, query: AggregationQuery, rows: Row[]): Promise<ComputedBlocks> {
  const blocks = new Map<string, Float64Array>();
  for (const a of query.aggregates) {
    if (a.kind !== 'Training' && a.kind !== 'Evaluation') continue;
    const url = a.model;
    const model = url === undefined ? null : await withRetry(c.retry, (signal) => fetchModel(url, modelShape(a.trainer), { signal }));
    blocks.set(a.id, a.kind === 'Training' ? trainingUpdate(a, model, rows).block : evaluationCounts(a, model!, rows).block);
  }
  return blocks;
}

/**
 * The selection engine wraps network errors in its own, so whether a failed evaluation is
 * worth another attempt is read off its requests: one of them met a network error or a
 * 5xx (the server may be back by the time the engine gives up, e.g. after a restart).
 */
function watchFailures(fetch: Fetch): { fetch: Fetch; failedSinceLastAsked(): boolean } {
  let failed = false;
  const watched: Fetch = async (input, init) => {
    try {
      const response = await fetch(input, init);
      if (response.status >= 500) failed = true;
      return response;
    } catch (error) {
      if (isTransient(error)) failed = true;
      throw error;
    }
  };
  return {
    fetch: watched,
    failedSinceLastAsked: () => {
      const answer = failed;
      failed = false;
      return answer;
    },
  };
}

/** Whether the own pod is unreachable now. */
async function podAway(c: EvaluationContext): Promise<boolean> {
  try {
    const response = await c.fetch(c.podUrl, { method: 'HEAD', signal: AbortSignal.timeout(c.retry.timeoutMs) });
    return response.status >= 500;
  } catch (error) {
    return isTransient(error);
  }
}
