// The querier role (the run announces the query to the population, protocol.ts): collect the root
// group's partial aggregates, and reconstruct as soon as k of them (t for Shamir) carry
// the same version id: equal version ids mean the shares cover the same contributors, so
// the reconstruction is exact over them. Strategies that stay may still improve a partial
// result, so the querier waits for a complete version, a final one (every root position
// says no better version can come) or its deadline before publishing; it publishes the
// best version ever agreed, not the latest, which churn may leave split or smaller. A
// version is agreed once k positions sent it, not necessarily at the same time: under
// continuous churn the positions may never hold one version together, each moving on
// before the last reaches it.

import type { PartialAggregate, WebId, Withdrawal } from '../../query-vocab/types.ts';
import { heldBefore } from './backup.ts';
import { releaseOf, type Release } from './dp-release.ts';
import { releaseResult } from './dp-result.ts';
import { decode } from './encoding.ts';
import { ProtocolError } from './errors.ts';
import type { Vec } from './ring.ts';
import { layoutOf, type Env } from './runtime.ts';
import { combineShamir } from './shamir.ts';
import { fieldSumToLayout } from './prio3.ts';
import { combineAdditive } from './shares.ts';
import type { AgreedShares } from './state.ts';
import { querierAfterMs, quorum } from './strategy.ts';

export const QUERIER_TIMER = 'querier';

export function querierStart(env: Env): void {
  if (env.state.querier) return;
  const deadline = (env.state.startedAt ?? env.now()) + querierAfterMs(env.params);
  env.state.querier = { deadline, positions: {}, sent: {}, best: null, outcome: 'pending', result: null, version: null, stored: false };
  env.timerAt(QUERIER_TIMER, deadline);
  env.log('info', `querier: waiting for the root group until +${deadline - env.now()} ms`);
}

export function onRootPartial(env: Env, m: PartialAggregate, sum: Vec | null): void {
  const q = env.state.querier;
  if (!q || q.outcome !== 'pending') return;
  const prev = q.positions[String(m.position)];
  if (prev && prev.counter >= m.counter) return;
  const a = { version: m.versionId, counter: m.counter, included: m.included, received: m.received, final: m.final === true, sum, ...(m.rejected ? { rejected: m.rejected } : {}) };
  q.positions[String(m.position)] = a;
  if (m.included > (q.best?.[0][1].included ?? -1) || m.versionId === q.best?.[0][1].version) ((q.sent ??= {})[m.versionId] ??= {})[String(m.position)] = a;
  env.log('info', `querier: root position ${m.position} sent version ${m.versionId.slice(0, 8)} (${m.included} contributors)`);
  decide(env, false);
}

export function querierTimer(env: Env): void {
  decide(env, true);
}

/** A root position gave up (full propagation): k partial aggregates can no longer come. */
export function onRootWithdrawal(env: Env, m: Withdrawal): void {
  const q = env.state.querier;
  if (!q || q.outcome !== 'pending' || q.positions[String(m.position)] || env.strategy.propagation !== 'full') return;
  abort(env, `root position ${m.position} (${m.sender}) gave up: an input below it was lost (full propagation)`);
}

/** A root position's holder failed: abort once too few positions can still report. */
export function querierPeerFailed(env: Env, w: WebId): void {
  const q = env.state.querier;
  if (!q || q.outcome !== 'pending') return;
  const root = env.topo.root;
  const positions = root.members.map((_, position) => ({ group: root.id, position }));
  const lost = positions.filter((s) => !q.positions[String(s.position)] && env.holder(s) === null);
  if (lost.length === 0 || !positions.some((s) => heldBefore(env.topo, s, w, env.isFailed))) return;
  const possible = positions.length - lost.length;
  if (env.strategy.propagation === 'full' || possible < quorum(env.params)) {
    abort(env, `root member ${w} failed and cannot be replaced; ${possible} of ${positions.length} root positions can still report`);
  }
}

function decide(env: Env, atDeadline: boolean): void {
  const q = env.state.querier;
  if (!q || q.outcome !== 'pending') return;
  const need = quorum(env.params);
  const sent = (q.sent ??= {});
  const agreed = Object.values(sent)
    .map((byPosition): AgreedShares => Object.entries(byPosition).map(([p, a]) => [Number(p), a]))
    .filter((l) => l.length >= need);
  const usable = agreed.filter((l) => l.every(([, a]) => a.sum !== null)).sort((a, b) => b[0][1].included - a[0][1].included);
  const received = Math.max(0, ...Object.values(q.positions).map((a) => a.received));
  // The same version agreed again replaces the best: its final flags are the fresher.
  if (usable[0] && usable[0][0][1].included >= (q.best?.[0][1].included ?? -1)) q.best = usable[0];
  // Versions no larger than the best can no longer matter: forget their sums.
  const floor = q.best?.[0][1].included ?? -1;
  for (const [v, byPosition] of Object.entries(sent)) if (v !== q.best?.[0][1].version && Object.values(byPosition)[0].included <= floor) delete sent[v];
  const best = q.best ?? undefined;
  // Strategies that stay may still correct a partial result: wait until it is complete or
  // its root positions say nothing better can come (e.g. a zone lost at an unreplaced leaf).
  const waitForBetter = env.strategy.standby === 'stay' && !atDeadline;
  const settled = best !== undefined && (best[0][1].included >= received || best.every(([, a]) => a.final));
  if (best && (!waitForBetter || settled)) return publish(env, best, received);
  if (agreed.length > 0 && !best && (!waitForBetter || atDeadline)) {
    const n = agreed[0][0][1].included;
    return abort(env, `the root group refused to release an aggregate of ${n} contributors (minimum ${env.ctx.query.minContributors})`, 'too-few-contributors');
  }
  if (atDeadline) {
    abort(env, `no ${need} root partial aggregates agreed on a version by the deadline (${Object.keys(q.positions).length} positions heard from)`);
  }
}

function publish(env: Env, shares: AgreedShares, received: number): void {
  const q = env.state.querier;
  if (!q) return;
  const { included } = shares[0][1];
  if (included < env.ctx.query.minContributors) {
    return abort(env, `only ${included} contributors, below the minimum of ${env.ctx.query.minContributors}`, 'too-few-contributors');
  }
  const need = quorum(env.params);
  const used = [...shares].sort((a, b) => a[0] - b[0]).slice(0, need);
  const sum = env.validation
    ? fieldSumToLayout(env.validation, combineAdditive(used.map(([, a]) => a.sum as Vec), 'f128'), included)
    : env.strategy.sharing === 'shamir'
      ? combineShamir(used.map(([index, a]) => ({ index, share: a.sum as Vec })), need)
      : combineAdditive(used.map(([, a]) => a.sum as Vec));
  let release: Release | null;
  try {
    release = releaseOf(env.ctx);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return abort(env, `cannot publish a differentially private result: ${error.message}`);
  }
  const layout = layoutOf(env.ctx);
  const { values, privacy } = release ? releaseResult(layout, sum, release) : { values: decode(layout, sum), privacy: undefined };
  const now = new Date(env.now()).toISOString();
  const query = env.ctx.query;
  q.outcome = 'published';
  q.version = shares[0][1].version;
  q.result = {
    id: env.ctx.resultId ?? `${query.id}#result`,
    query: query.id,
    plan: env.ctx.plan.id,
    values,
    contributors: included,
    completeness: received > 0 ? Math.min(1, included / received) : 1,
    strategy: env.params.strategy,
    startedAt: new Date(env.state.startedAt ?? env.now()).toISOString(),
    endedAt: now,
    generatedBy: env.self,
    ...(privacy ? { privacy } : {}),
    ...(env.validation ? { rejected: shares[0][1].rejected ?? 0 } : {}),
  };
  env.actions.push({ type: 'publish', result: q.result });
  const rejected = env.validation ? `, ${shares[0][1].rejected ?? 0} contributions rejected as invalid` : '';
  env.log('info', `querier: reconstructed version ${shares[0][1].version.slice(0, 8)}: ${included} of ${received} contributors${rejected}`);
}

function abort(env: Env, reason: string, code?: 'too-few-contributors'): void {
  const q = env.state.querier;
  if (!q || q.outcome !== 'pending') return;
  q.outcome = 'aborted';
  env.actions.push({ type: 'abort', reason, code });
  env.log('error', `querier: aborts: ${reason}`);
}
