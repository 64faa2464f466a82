// Indexes over a plan that every role needs at each event: children, heights, zone
// members and the slots a WebID holds. Built once per plan object and cached, so a
// simulator running a million runs over one plan does not rebuild it per run.

import type { AggregationPlan, PlanGroup, WebId } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';

/** One position of one aggregator group. */
export interface Slot {
  group: string;
  position: number;
}

export interface Topology {
  plan: AggregationPlan;
  root: PlanGroup;
  groups: Map<string, PlanGroup>;
  /** Index of each group in plan.groups (orders the backup chains). */
  order: Map<string, number>;
  children: Map<string, string[]>;
  /** 0 for leaves, depth − 1 for the root. */
  height: Map<string, number>;
  zones: Map<string, WebId[]>;
  slotsOf: Map<WebId, Slot[]>;
  /** plan.backups as a set: asked for every zone member a leaf waits on. */
  backups: Set<WebId>;
  populationSize: number;
}

const cache = new WeakMap<AggregationPlan, Topology>();

export function topology(plan: AggregationPlan): Topology {
  const hit = cache.get(plan);
  if (hit) return hit;
  const groups = new Map(plan.groups.map((g) => [g.id, g]));
  const order = new Map(plan.groups.map((g, i) => [g.id, i]));
  const children = new Map<string, string[]>(plan.groups.map((g) => [g.id, []]));
  for (const g of plan.groups) if (g.parent !== null) children.get(g.parent)?.push(g.id);
  const height = new Map<string, number>();
  for (const g of [...plan.groups].reverse()) {
    const kids = children.get(g.id) ?? [];
    height.set(g.id, kids.length === 0 ? 0 : 1 + Math.max(...kids.map((c) => height.get(c) ?? 0)));
  }
  const zones = new Map<string, WebId[]>();
  for (const [w, leaf] of Object.entries(plan.zones)) {
    const list = zones.get(leaf);
    if (list) list.push(w);
    else zones.set(leaf, [w]);
  }
  const slotsOf = new Map<WebId, Slot[]>();
  for (const g of plan.groups) {
    g.members.forEach((m, position) => {
      const list = slotsOf.get(m);
      if (list) list.push({ group: g.id, position });
      else slotsOf.set(m, [{ group: g.id, position }]);
    });
  }
  const root = plan.groups.find((g) => g.parent === null);
  if (!root) throw new ProtocolError('bad-input', `plan ${plan.id} has no root group`);
  const topo: Topology = { plan, root, groups, order, children, height, zones, slotsOf, backups: new Set(plan.backups), populationSize: Object.keys(plan.zones).length };
  cache.set(plan, topo);
  return topo;
}

export function isLeaf(topo: Topology, group: string): boolean {
  return (topo.children.get(group) ?? []).length === 0;
}
