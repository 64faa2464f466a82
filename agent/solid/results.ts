// Writing a run's result into the querier's pod: the results container, readable by
// anyone, and the result document. Idempotent, so a querier that crashed before the
// run heard it was stored simply writes it again.

import { documentOf, serializeResult, type AggregationResult } from '../../query-vocab/index.ts';
import { shortDigest } from '../core/digest.ts';
import { podLayout } from './layout.ts';
import { ensureContainer, putTurtle, type Fetch } from './pod.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { withRetry, type RetryPolicy } from './retry.ts';

export async function storeResult(fetch: Fetch, podUrl: string, owner: string, result: AggregationResult, retry: RetryPolicy): Promise<void> {
  const { results } = podLayout(podUrl);
  await withRetry(retry, async () => {
    await ensureContainer(fetch, results);
    await ensureAccess(fetch, results, POLICIES.publicContainer(owner));
    await putTurtle(fetch, documentOf(result.id), serializeResult(result));
  });
}

/** Where a run's result document goes: one per query in the querier's results container. */
export function resultIdOf(podUrl: string, query: string): string {
  return `${podLayout(podUrl).results}${shortDigest(query)}#result`;
}
