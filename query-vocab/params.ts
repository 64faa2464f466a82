// Plan parameters: written on the plan node itself, or on the query's pa:fixedParams node
// where the querier fixes a few of them by hand.
import type { Term } from 'n3';
import type { Reader } from './reader.ts';
import type { PlanParams, StrategyName, Timeouts } from './types.ts';
import { PA } from './terms.ts';
import { blank, int, iri, num, type Obj } from './write.ts';

export const STRATEGY_NAMES: readonly StrategyName[] = ['LowCost', 'HighCompleteness', 'SafeAndPrompt', 'Hybrid', 'Threshold'];

export function readStrategy(r: Reader, node: Term, optional = false): StrategyName | undefined {
  const value = r.iri(node, PA.strategy, true);
  if (value === undefined) {
    if (!optional) r.one(node, PA.strategy);
    return undefined;
  }
  const name = STRATEGY_NAMES.find((s) => PA[s] === value);
  if (!name) r.fault(node, PA.strategy, `unknown strategy <${value}>; expected one of ${STRATEGY_NAMES.map((s) => `pa:${s}`).join(', ')}`);
  return name ?? 'LowCost';
}

/** Reads whichever parameters are present (all of them are required on a plan; SHACL says so). */
export function readParams(r: Reader, node: Term): Partial<PlanParams> {
  const out: Partial<PlanParams> = {};
  const ints = ['depth', 'fanout', 'groupSize', 'threshold'] as const;
  for (const key of ints) {
    const v = r.integer(node, PA[key], true);
    if (v !== undefined) out[key] = v;
  }
  const strategy = readStrategy(r, node, true);
  if (strategy) out.strategy = strategy;
  const ratio = r.number(node, PA.backupRatio, true);
  if (ratio !== undefined) out.backupRatio = ratio;
  const t = r.one(node, PA.timeouts, true);
  if (t) out.timeouts = readTimeouts(r, t);
  return out;
}

function readTimeouts(r: Reader, node: Term): Timeouts {
  return { collectMs: r.integer(node, PA.collectMs), syncMs: r.integer(node, PA.syncMs), childMs: r.integer(node, PA.childMs) };
}

/** The (property, object) pairs of the parameters that are set, in a fixed order. */
export function paramPairs(p: Partial<PlanParams>): Array<[string, Obj | undefined]> {
  return [
    [PA.depth, p.depth === undefined ? undefined : int(p.depth)],
    [PA.fanout, p.fanout === undefined ? undefined : int(p.fanout)],
    [PA.groupSize, p.groupSize === undefined ? undefined : int(p.groupSize)],
    [PA.threshold, p.threshold === undefined ? undefined : int(p.threshold)],
    [PA.strategy, p.strategy === undefined ? undefined : iri(PA[p.strategy])],
    [PA.backupRatio, p.backupRatio === undefined ? undefined : num(p.backupRatio)],
    [PA.timeouts, p.timeouts === undefined ? undefined : blank(
      [PA.collectMs, int(p.timeouts.collectMs)],
      [PA.syncMs, int(p.timeouts.syncMs)],
      [PA.childMs, int(p.timeouts.childMs)],
    )],
  ];
}
