// The plan is a pure function of public data: the query nonce, the population snapshot
// and the parameters. Members ranked by SHA-256(nonce ‖ 0 ‖ webId) fill the aggregator
// groups (root first, level by level), then the backups; every member's zone (its leaf
// group) is SHA-256(nonce ‖ 0 ‖ 'zone' ‖ 0 ‖ webId) mod the number of leaves. Anyone
// holding the snapshot recomputes the plan and checks it.

import { createHash } from 'node:crypto';
import type { AggregationPlan, PlanGroup, PlanParams, WebId } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';
import { isThreshold, strategyOf } from './strategy.ts';

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000'), 'utf8').digest();
}

function checkParams(p: PlanParams): void {
  const bad = (why: string) => new ProtocolError('bad-input', `plan parameters: ${why}`);
  if (!Number.isInteger(p.depth) || p.depth < 1) throw bad(`depth must be a positive integer, got ${p.depth}`);
  if (!Number.isInteger(p.fanout) || p.fanout < 1) throw bad(`fanout must be a positive integer, got ${p.fanout}`);
  if (!Number.isInteger(p.groupSize) || p.groupSize < 1) throw bad(`group size must be a positive integer, got ${p.groupSize}`);
  if (!Number.isInteger(p.threshold) || p.threshold < 1 || p.threshold > p.groupSize) {
    throw bad(`threshold must be in 1..${p.groupSize}, got ${p.threshold}`);
  }
  if (!isThreshold(strategyOf(p)) && p.threshold !== p.groupSize) {
    throw bad(`additive sharing (${p.strategy}) needs threshold = group size`);
  }
  if (!(p.backupRatio >= 0 && Number.isFinite(p.backupRatio))) throw bad(`backup ratio must be ≥ 0, got ${p.backupRatio}`);
}

/** Group ids and parents, root first then level by level: 'g', 'g.0', …, 'g.0.0', … */
function groupShapes(depth: number, fanout: number): Array<Omit<PlanGroup, 'members'>> {
  const out: Array<Omit<PlanGroup, 'members'>> = [{ id: 'g', level: 0, parent: null }];
  let level = [out[0]];
  for (let l = 1; l < depth; l++) {
    const next = level.flatMap((p) => Array.from({ length: fanout }, (_, i) => ({ id: `${p.id}.${i}`, level: l, parent: p.id })));
    out.push(...next);
    level = next;
  }
  return out;
}

export interface PlanInput {
  id: string;
  query: string;
  nonce: string;
  population: WebId[];
  params: PlanParams;
  /** The query validates contributions: a leaf member is zoned in the next leaf, never its own. */
  validated?: boolean;
}

export function buildPlan(args: PlanInput): AggregationPlan {
  const { id, query, nonce, params } = args;
  checkParams(params);
  const population = [...new Set(args.population)];
  const shapes = groupShapes(params.depth, params.fanout);
  const aggregators = shapes.length * params.groupSize;
  const backupCount = Math.ceil(params.backupRatio * aggregators);
  if (population.length < aggregators + backupCount) {
    throw new ProtocolError(
      'bad-input',
      `population of ${population.length} is too small for ${aggregators} aggregators and ${backupCount} backups`,
    );
  }
  const ranked = population
    .map((w) => ({ w, h: digest(nonce, w) }))
    .sort((a, b) => Buffer.compare(a.h, b.h))
    .map((r) => r.w);
  const groups: PlanGroup[] = shapes.map((s, g) => ({ ...s, members: ranked.slice(g * params.groupSize, (g + 1) * params.groupSize) }));
  const backups = ranked.slice(aggregators, aggregators + backupCount);
  const leaves = groups.filter((g) => g.level === params.depth - 1);
  const zones: Record<WebId, string> = {};
  for (const w of [...population].sort()) {
    let leaf = Number(digest(nonce, 'zone', w).readBigUInt64BE(0) % BigInt(leaves.length));
    // A member of a validated leaf knows the leaf's verification key, with which it could
    // forge a proof for its own contribution. Groups are disjoint, so one step is enough;
    // with a single leaf its members contribute nowhere.
    if (args.validated && leaves[leaf].members.includes(w)) {
      if (leaves.length === 1) continue;
      leaf = (leaf + 1) % leaves.length;
    }
    zones[w] = leaves[leaf].id;
  }
  return { id, query, nonce, params, groups, backups, zones };
}

/** Recomputes the plan from public data; throws 'doctored-plan' naming the first difference. */
export function verifyPlan(plan: AggregationPlan, population: WebId[], validated = false): void {
  const expected = buildPlan({ id: plan.id, query: plan.query, nonce: plan.nonce, population, params: plan.params, validated });
  const doctored = (what: string) => new ProtocolError('doctored-plan', `plan ${plan.id}: ${what}`);
  if (plan.groups.length !== expected.groups.length) {
    throw doctored(`has ${plan.groups.length} groups, expected ${expected.groups.length}`);
  }
  expected.groups.forEach((e, g) => {
    const got = plan.groups[g];
    if (got.id !== e.id || got.level !== e.level || got.parent !== e.parent) {
      throw doctored(`group ${g} is ${got.id} (level ${got.level}, parent ${got.parent}), expected ${e.id} (level ${e.level}, parent ${e.parent})`);
    }
    if (got.members.length !== e.members.length) throw doctored(`group ${e.id} has ${got.members.length} members, expected ${e.members.length}`);
    e.members.forEach((m, i) => {
      if (got.members[i] !== m) throw doctored(`group ${e.id} member ${i} is ${got.members[i]}, expected ${m}`);
    });
  });
  if (plan.backups.length !== expected.backups.length) {
    throw doctored(`has ${plan.backups.length} backups, expected ${expected.backups.length}`);
  }
  expected.backups.forEach((b, i) => {
    if (plan.backups[i] !== b) throw doctored(`backup ${i} is ${plan.backups[i]}, expected ${b}`);
  });
  for (const [w, zone] of Object.entries(expected.zones)) {
    if (plan.zones[w] !== zone) throw doctored(`${w} is in zone ${plan.zones[w] ?? '(none)'}, expected ${zone}`);
  }
  for (const w of Object.keys(plan.zones)) {
    if (!(w in expected.zones)) throw doctored(`${w} has a zone but is not in the population`);
  }
}
