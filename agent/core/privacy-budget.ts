// The owner's privacy budget, kept over the consent log. Each accepted differentially
// private query's decision records the ε (and δ) it spends; the spend of a querier (or a
// purpose) is the sum of the ε its accepted decisions recorded within the budget's period
// ending now: basic composition, which holds however the queries were chosen (a better
// accountant would count the same ε for less, never more). δ adds up the same way and is
// recorded beside ε, but the budget caps ε only.

import type { ConsentDecision, ConsentPolicy, PrivacyBudget } from '../../query-vocab/types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Sums of decimal ε (0.1 + 0.2) land a hair above their total. */
const SLACK = 1e-9;

/** What a query's ε is counted against: its querier, or each of its purposes. */
function budgetKeys(budget: PrivacyBudget, querier: string, purposes: string[]): string[] {
  return budget.per === 'querier' ? [querier] : purposes;
}

/**
 * ε spent per querier (or purpose) within the period ending at `now`. A query decided again
 * (its agent restarted before contributing) is released once, so it counts once; decisions
 * on `except`, the query being decided, not at all.
 */
export function spent(budget: PrivacyBudget, history: ConsentDecision[], now: number, except?: string): Map<string, number> {
  const out = new Map<string, number>();
  const from = now - budget.periodDays * DAY_MS;
  const counted = new Set<string>();
  for (const d of history) {
    const at = Date.parse(d.at);
    if (!d.accepted || d.epsilon === undefined || d.query === except || counted.has(d.query) || at <= from || at > now) continue;
    counted.add(d.query);
    for (const key of budgetKeys(budget, d.querier ?? '', d.purposes ?? [])) out.set(key, (out.get(key) ?? 0) + d.epsilon);
  }
  return out;
}

const period = (b: PrivacyBudget) => `${b.epsilon} per ${b.per} per ${b.periodDays} days`;

/**
 * The privacy budget rule's refusal for a query asking `epsilon`, or null when every key it
 * spends from has room; the note says what is left, for the acceptance's reason.
 */
export function budgetVerdict(
  policy: ConsentPolicy,
  q: { id: string; querier: string; purposes: string[] },
  epsilon: number,
  history: ConsentDecision[],
  now: number,
): { refusal: string } | { note: string } {
  if (policy.maxEpsilonPerQuery !== undefined && epsilon > policy.maxEpsilonPerQuery + SLACK) {
    return { refusal: `privacy budget rule: the query asks ε ${epsilon}, above the policy's maximum of ${policy.maxEpsilonPerQuery} per query` };
  }
  const budget = policy.privacyBudget;
  if (!budget) return { note: `ε ${epsilon} (no budget set)` };
  const used = spent(budget, history, now, q.id);
  const left: string[] = [];
  for (const key of budgetKeys(budget, q.querier, q.purposes)) {
    const before = used.get(key) ?? 0;
    if (before + epsilon > budget.epsilon + SLACK) {
      return { refusal: `privacy budget rule: ε ${epsilon} more would bring ${key}'s spending to ${round(before + epsilon)} of the budget of ${period(budget)} (${round(before)} spent)` };
    }
    left.push(`${round(budget.epsilon - before - epsilon)} left for ${key}`);
  }
  return { note: `ε ${epsilon} of the budget of ${period(budget)}, ${left.join(', ')}` };
}

const round = (x: number) => Number(x.toPrecision(12));
