// A reliability strategy is a record of building blocks (docs/design.md, after Mirval et al.
// 2023): how a failure propagates, how a failed aggregator is handled, whether an
// aggregator stays to send corrected versions, how group members synchronise, and how a
// value is shared. Roles consult these blocks, never the strategy's name.

import type { PlanParams, StrategyName } from '../../query-vocab/types.ts';
import type { Ring } from './ring.ts';

/** full: any unrecoverable failure aborts the query; local: the failed subtree is cut. */
export type Propagation = 'full' | 'local';
/** replace: a backup takes the failed member's position; drop: the position is lost. */
export type Handling = 'replace' | 'drop';
/** stop: an aggregator's first sum is final; stay: it sends corrected versions. */
export type Standby = 'stop' | 'stay';
/**
 * full: every group waits for its peers' confirmations before summing; leaves: leaf
 * groups wait, inner groups confirm without waiting; non-blocking: every group sums at
 * once and corrects when confirmations disagree; none: no confirmations.
 */
export type SyncMode = 'full' | 'leaves' | 'non-blocking' | 'none';
export type Sharing = 'additive' | 'shamir';

export interface Strategy {
  name: StrategyName;
  propagation: Propagation;
  handling: Handling;
  /** Whether leaf positions are replaced too (Hybrid replaces only above the leaves). */
  replaceLeaves: boolean;
  standby: Standby;
  sync: SyncMode;
  sharing: Sharing;
}

export const STRATEGIES: Record<StrategyName, Strategy> = {
  LowCost: { name: 'LowCost', propagation: 'full', handling: 'drop', replaceLeaves: false, standby: 'stop', sync: 'none', sharing: 'additive' },
  HighCompleteness: {
    name: 'HighCompleteness',
    propagation: 'local',
    handling: 'replace',
    replaceLeaves: true,
    standby: 'stay',
    sync: 'non-blocking',
    sharing: 'additive',
  },
  SafeAndPrompt: { name: 'SafeAndPrompt', propagation: 'local', handling: 'drop', replaceLeaves: false, standby: 'stop', sync: 'full', sharing: 'additive' },
  Hybrid: { name: 'Hybrid', propagation: 'local', handling: 'replace', replaceLeaves: false, standby: 'stay', sync: 'leaves', sharing: 'additive' },
  // A Shamir group survives k − t lost members, so no backup is needed; members must still
  // agree on the contributor set, since t shares only reconstruct the same sum. In a tree the
  // losses add up by position: a lost position p anywhere cuts the p-th share of that
  // subtree above it, so a tree loses nothing only while k − t positions are lost in all;
  // beyond that, subtrees drop out (aggregator.ts shamirAgreed).
  Threshold: { name: 'Threshold', propagation: 'local', handling: 'drop', replaceLeaves: false, standby: 'stop', sync: 'full', sharing: 'shamir' },
};

export function strategyOf(params: PlanParams): Strategy {
  return STRATEGIES[params.strategy];
}

/** Whether a name (from a flag, a file) is one of the strategies; `in` would also accept 'toString'. */
export function isStrategyName(name: string): name is StrategyName {
  return Object.hasOwn(STRATEGIES, name);
}

/** Whether a backup takes a failed aggregator's position anywhere in the tree, so the plan needs backups. */
export function replaces(s: Strategy): boolean {
  return s.handling === 'replace';
}

/** Whether any t of a group's k shares reconstruct (Shamir), so t is a parameter of its own; else t = k. */
export function isThreshold(s: Strategy): boolean {
  return s.sharing === 'shamir';
}

/** The ring shares and sums live in. */
export function ringOf(s: Strategy): Ring {
  return isThreshold(s) ? 'p61' : 'z64';
}

export type SyncAt = 'blocking' | 'non-blocking' | 'none';

export function syncAt(s: Strategy, leaf: boolean): SyncAt {
  switch (s.sync) {
    case 'full':
      return 'blocking';
    case 'leaves':
      return leaf ? 'blocking' : 'non-blocking';
    case 'non-blocking':
      return 'non-blocking';
    case 'none':
      return 'none';
  }
}

export function replacesAt(s: Strategy, leaf: boolean): boolean {
  return replaces(s) && (!leaf || s.replaceLeaves);
}

/** Matching partial aggregates the querier needs: k for additive shares, t for Shamir. */
export function quorum(params: PlanParams): number {
  return isThreshold(strategyOf(params)) ? params.threshold : params.groupSize;
}

/** When a group at `height` above the leaves stops waiting for inputs, from its start. */
export function readyAfterMs(params: PlanParams, height: number): number {
  const t = params.timeouts;
  return t.collectMs + height * (t.syncMs + t.childMs);
}

/** When the querier gives up, from its start. */
export function querierAfterMs(params: PlanParams): number {
  const t = params.timeouts;
  return readyAfterMs(params, params.depth) + t.childMs;
}
