// An owner's consent policy decides whether its agent contributes to a query. Pure: the
// transport passes the decision history (the pod's consent log) and the clock, records
// the decision, and only then evaluates the selection. Rules are checked in a fixed order
// and the first that refuses names itself in the reason.

import type { AggregationPlan, AggregationQuery, ConsentDecision, ConsentPolicy } from '../../query-vocab/types.ts';
import { releaseOf } from './dp-release.ts';
import { ProtocolError } from './errors.ts';
import { budgetVerdict } from './privacy-budget.ts';

export interface ConsentVerdict {
  accepted: boolean;
  reason: string;
  /** What an accepted differentially private query spends of the budget: the decision records it. */
  spends?: { epsilon: number; delta?: number };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a data source lies in the scope: the same IRI, or inside a scope container. */
function inScope(source: string, scope: string[]): boolean {
  return scope.some((s) => source === s || (s.endsWith('/') && source.startsWith(s)));
}

/**
 * `sources` are the datasets the selection reads (its FROM clauses, as query-vocab
 * extracts them); none means the agent's default graph, which is its scope anyway.
 */
export function decideConsent(
  policy: ConsentPolicy,
  query: AggregationQuery,
  plan: AggregationPlan,
  history: ConsentDecision[],
  now: number,
  sources: string[] = [],
): ConsentVerdict {
  const refuse = (reason: string): ConsentVerdict => ({ accepted: false, reason });
  if (!policy.anyQuerier && !policy.queriers.includes(query.querier)) {
    return refuse(`querier rule: ${query.querier} is not among the accepted queriers`);
  }
  if (query.purposes.length === 0) return refuse('purpose rule: the query declares no purpose');
  const foreign = query.purposes.filter((p) => !policy.purposes.includes(p));
  if (foreign.length > 0) return refuse(`purpose rule: purpose ${foreign.join(', ')} is not accepted`);
  const outside = sources.filter((s) => !inScope(s, policy.dataScope));
  if (outside.length > 0) return refuse(`data scope rule: ${outside.join(', ')} is outside the data scope`);
  // A coalition of `threshold` members of one group reconstructs a share: that is the group size that matters.
  const coalition = plan.params.threshold;
  if (coalition < policy.minGroupSize) {
    return refuse(`group size rule: ${coalition} colluding aggregators would suffice, the policy requires at least ${policy.minGroupSize}`);
  }
  if (query.minContributors < policy.minContributors) {
    return refuse(`minimum contributors rule: the query releases results of ${query.minContributors} contributors, the policy requires at least ${policy.minContributors}`);
  }
  const today = history.filter((d) => d.accepted && d.query !== query.id && now - Date.parse(d.at) < DAY_MS && Date.parse(d.at) <= now).length;
  if (today >= policy.maxQueriesPerDay) {
    return refuse(`rate limit rule: ${today} queries already accepted in the last 24 hours (limit ${policy.maxQueriesPerDay})`);
  }
  const satisfied = `querier, purposes, data scope, group size (${coalition}), minimum contributors (${query.minContributors}) and the daily limit (${today + 1} of ${policy.maxQueriesPerDay})`;
  const dp = query.differentialPrivacy;
  if (!dp) {
    if (policy.requireDifferentialPrivacy) return refuse('differential privacy rule: the query declares no differential privacy, and the policy requires it');
    return { accepted: true, reason: `accepted: ${satisfied} all satisfied` };
  }
  try {
    releaseOf({ query, plan });
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return refuse(`differential privacy rule: ${error.message}`);
  }
  const budget = budgetVerdict(policy, query, dp.epsilon, history, now);
  if ('refusal' in budget) return refuse(budget.refusal);
  return { accepted: true, reason: `accepted: ${satisfied} and the privacy budget (${budget.note}) all satisfied`, spends: { epsilon: dp.epsilon, ...(dp.delta === undefined ? {} : { delta: dp.delta }) } };
}
