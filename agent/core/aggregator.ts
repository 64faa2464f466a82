// The aggregator role, for one slot (group, position), leaf or inner. It collects inputs
// (contributors' shares at a leaf, children's partial sums above) until every expected
// input arrived (at a leaf: every zone member contributed, abstained or failed) or its
// deadline passed; confirms its entry set to the group's other
// positions when the strategy synchronises; agrees on the entries every position holds
// (all k for additive shares, t in common for Shamir), sums exactly those, and sends the
// sum, sealed, with the version id naming them and whether it is final, to the same
// position of the parent group (or to the querier from the root). Agreeing before summing
// is what keeps the k share trees consistent: a subtree missing at one position is cut at
// every position.

import type { Abstention, Confirmation, Contribution, PartialAggregate, WebId, Withdrawal } from '../../query-vocab/types.ts';
import { heldBefore } from './backup.ts';
import { supersedes } from './clock.ts';
import { addNoise, releaseOf } from './dp-release.ts';
import { ProtocolError } from './errors.ts';
import { addInto, vecToBytes, zeros, type Vec } from './ring.ts';
import { vectorLength, type Env } from './runtime.ts';
import { slotKey, type InputState, type SlotState } from './state.ts';
import { checkPeerFailed, onPeerPrepShares, prepared, preparedAll, sealedPrepShares, startCheck, verdicts } from './leaf-check.ts';
import { readyAfterMs, syncAt, type SyncAt } from './strategy.ts';
import { isLeaf } from './topology.ts';
import { childEntry, entryKey, versionId } from './version.ts';

/** A backup's counters start high so a parent prefers its sums to its predecessor's. */
const RANK_COUNTER = 1_000_000;

/** ready: stop collecting; sync: stop waiting for peers; resend: send the corrections held back. */
export type SlotTimer = 'ready' | 'sync' | 'resend';

export function slotTimerName(kind: SlotTimer, slot: { group: string; position: number }): string {
  return `${kind}|${slot.group}|${slot.position}`;
}

export function parseSlotTimer(name: string): { kind: SlotTimer; group: string; position: number } | null {
  const [kind, group, position] = name.split('|');
  if ((kind !== 'ready' && kind !== 'sync' && kind !== 'resend') || group === undefined || position === undefined) return null;
  return { kind, group, position: Number(position) };
}

const label = (s: SlotState) => `aggregator ${s.group}#${s.position}`;

export function startSlot(env: Env, group: string, position: number, rank: number): SlotState {
  const key = slotKey(group, position);
  const existing = env.state.slots[key];
  if (existing) return existing;
  const now = env.now();
  const start = env.state.startedAt ?? now;
  const height = env.topo.height.get(group) ?? 0;
  let deadline = start + readyAfterMs(env.params, height);
  // A backup arrives late: give the re-sent inputs at least a sync period to come in.
  if (rank > 0) deadline = Math.max(deadline, now + env.params.timeouts.syncMs);
  // Confirmations this agent already received for the group hold for the new slot too.
  const peers: SlotState['peers'] = {};
  for (const other of Object.values(env.state.slots)) {
    if (other.group !== group) continue;
    for (const [p, c] of Object.entries(other.peers)) {
      const prev = peers[p];
      if (Number(p) !== position && (!prev || supersedes(env.topo, group, Number(p), prev, c))) peers[p] = c;
    }
  }
  const slot: SlotState = {
    group,
    position,
    rank,
    leaf: isLeaf(env.topo, group),
    deadline,
    readyForced: false,
    syncExpired: false,
    phase: 'collecting',
    inputs: {},
    abstained: [],
    peers,
    confirmed: null,
    emitted: null,
    emissions: 0,
    versions: {},
  };
  env.state.slots[key] = slot;
  if (env.validation && slot.leaf) startCheck(env, slot);
  env.timerAt(slotTimerName('ready', slot), deadline);
  env.log('info', `${label(slot)}: ${rank > 0 ? `takes over as backup (rank ${rank})` : 'started'}, collecting until +${deadline - now} ms`);
  return slot;
}

export function slotTimer(env: Env, slot: SlotState, kind: SlotTimer): void {
  if (kind === 'ready') slot.readyForced = true;
  else if (kind === 'sync') slot.syncExpired = true;
  progress(env, slot);
}

function acceptsInputs(env: Env, slot: SlotState): boolean {
  return slot.phase === 'collecting' || (env.strategy.standby === 'stay' && slot.phase !== 'aborted');
}

// A leaf asks whether a zone member abstained at every event, and a zone can hold
// thousands: an index over each slot's abstentions (a list that only grows), kept beside
// the state rather than in it so the state stays plain data.
const abstainedIndex = new WeakMap<WebId[], { set: Set<WebId>; upTo: number }>();

export function hasAbstained(slot: SlotState, w: WebId): boolean {
  const list = slot.abstained;
  let index = abstainedIndex.get(list);
  if (!index) abstainedIndex.set(list, (index = { set: new Set(), upTo: 0 }));
  for (; index.upTo < list.length; index.upTo++) index.set.add(list[index.upTo]);
  return index.set.has(w);
}

export function onContribution(env: Env, slot: SlotState, m: Contribution, share: Vec): void {
  if (hasAbstained(slot, m.sender)) throw new ProtocolError('duplicate-contribution', `${m.sender} abstained for ${slot.group}#${slot.position}, then sent a share`);
  if (!acceptsInputs(env, slot)) {
    env.log('info', `${label(slot)}: late share from ${m.sender} ignored (${slot.phase})`);
    return;
  }
  slot.inputs[m.sender] = { version: '', counter: 0, included: 1, received: 1, final: true, sum: share };
  progress(env, slot);
}

export function onAbstention(env: Env, slot: SlotState, m: Abstention): void {
  if (slot.inputs[m.sender]) throw new ProtocolError('duplicate-contribution', `${m.sender} sent a share for ${slot.group}#${slot.position}, then abstained`);
  slot.abstained.push(m.sender);
  progress(env, slot);
}

export function onPartial(env: Env, slot: SlotState, m: PartialAggregate, sum: Vec): void {
  if (!acceptsInputs(env, slot)) {
    env.log('info', `${label(slot)}: late sum from child ${m.group} ignored (${slot.phase})`);
    return;
  }
  const prev = slot.inputs[m.group];
  if (prev && prev.counter >= m.counter) return; // an older version overtaken by a newer one
  slot.inputs[m.group] = {
    version: m.versionId, counter: m.counter, included: m.included, received: m.received, final: m.final === true, sum,
    ...(m.rejected ? { rejected: m.rejected } : {}),
  };
  progress(env, slot);
}

export function onConfirmation(env: Env, slot: SlotState, m: Confirmation): void {
  onPeerPrepShares(env, slot, m);
  slot.peers[String(m.position)] = { entries: [...m.contributors], sentAt: m.sentAt, from: m.sender };
  progress(env, slot);
}

/** Called after `w` was added to the failed set. */
export function slotPeerFailed(env: Env, slot: SlotState, w: WebId): void {
  const group = env.topo.groups.get(slot.group);
  if (!group) return;
  const takers = new Set<WebId>();
  const informed = new Set<WebId>();
  for (let p = 0; p < group.members.length; p++) {
    if (p === slot.position) continue;
    const next = env.holder({ group: slot.group, position: p });
    if (!heldBefore(env.topo, { group: slot.group, position: p }, w, env.isFailed)) {
      if (next) informed.add(next);
      continue;
    }
    env.log('info', `${label(slot)}: peer ${p} (${w}) failed${next ? `, backup ${next} takes over` : ', not replaced'}`);
    if (next) takers.add(next);
  }
  // A backup that already holds another position got our confirmation then; re-sending it
  // within the same millisecond would be rejected as a replay.
  if (slot.confirmed) for (const to of takers) if (!informed.has(to)) sendConfirmation(env, slot, to, slot.confirmed);
  checkPeerFailed(env, slot, takers);
  const emitted = slot.emitted;
  if (emitted && emitted.to === w && group.parent !== null) {
    emitted.to = env.holder({ group: group.parent, position: slot.position });
    if (emitted.to) {
      sendEmission(env, slot, emitted.to);
      env.log('info', `${label(slot)}: parent ${w} failed, sum re-sent to backup ${emitted.to}`);
    }
  }
  for (const child of env.topo.children.get(slot.group) ?? []) {
    if (!heldBefore(env.topo, { group: child, position: slot.position }, w, env.isFailed)) continue;
    if (env.strategy.propagation === 'full' && slot.phase === 'collecting' && !slot.inputs[child]) {
      abortSlot(env, slot, `child ${child} failed before sending (full propagation)`);
      return;
    }
  }
  progress(env, slot);
}

/** A child position gave up under full propagation: its sum cannot come, so neither can ours. */
export function onWithdrawal(env: Env, slot: SlotState, m: Withdrawal): void {
  if (env.strategy.propagation !== 'full' || slot.phase !== 'collecting' || slot.inputs[m.group]) {
    env.log('info', `${label(slot)}: withdrawal of child ${m.group} ignored (${slot.phase})`);
    return;
  }
  abortSlot(env, slot, `child ${m.group} gave up (full propagation)`);
}

function abortSlot(env: Env, slot: SlotState, why: string): void {
  slot.phase = 'aborted';
  env.log('warn', `${label(slot)}: gives up: ${why}`);
  // Whoever waits above would otherwise wait for this sum until its own deadline.
  const to = above(env, slot);
  if (to) env.send<Withdrawal>(to, { type: 'Withdrawal', group: slot.group, position: slot.position });
}

/** Where this slot's sums go: the same position of the parent group, or the querier from the root. */
function above(env: Env, slot: SlotState): WebId | null {
  const parent = env.topo.groups.get(slot.group)?.parent;
  if (parent === undefined) return null;
  return parent === null ? env.ctx.query.querier : env.holder({ group: parent, position: slot.position });
}

// ---- the decision procedure --------------------------------------------------------

function ownEntries(env: Env, slot: SlotState): string[] {
  // A holder of a validated leaf knows its verification key, so its own contribution there
  // could carry a forged proof: it is left out (only a backup can be in this case).
  if (slot.leaf && slot.check) {
    const holders = env.peerHolders(slot).add(env.self);
    return Object.keys(slot.inputs).filter((w) => !holders.has(w)).sort();
  }
  if (slot.leaf) return Object.keys(slot.inputs).sort();
  // An empty child adds nothing: leaving it out makes 'cut' and 'absent' the same entry set
  // (one whose contributions were all rejected still carries their count).
  return Object.entries(slot.inputs)
    .filter(([, i]) => i.included > 0 || (i.rejected ?? 0) > 0)
    .map(([child, i]) => childEntry(child, i.version))
    .sort();
}

/** How this slot synchronises: a validated leaf always waits for its peers, whose prep shares it needs. */
function syncOf(env: Env, slot: SlotState): SyncAt {
  return slot.check ? 'blocking' : syncAt(env.strategy, slot.leaf);
}

function allInputsIn(env: Env, slot: SlotState): boolean {
  if (slot.leaf) {
    // This runs at every event of the leaf and a zone can hold thousands of members: count
    // first. Inputs and abstentions come from zone members only, each once (admission, the
    // replay guard), so the count bounds the members that answered from above: below the
    // zone's size, someone has not answered.
    const zone = env.topo.zones.get(slot.group) ?? [];
    let answers = Object.keys(slot.inputs).length + slot.abstained.length;
    for (const w of env.state.failed) if (env.topo.plan.zones[w] === slot.group && slot.inputs[w] === undefined) answers++;
    if (answers < zone.length) return false;
    return zone.every((w) => slot.inputs[w] !== undefined || hasAbstained(slot, w) || env.isFailed(w));
  }
  return (env.topo.children.get(slot.group) ?? []).every(
    (c) => slot.inputs[c] !== undefined || env.holder({ group: c, position: slot.position }) === null,
  );
}

function peersSettled(env: Env, slot: SlotState): boolean {
  const k = env.params.groupSize;
  for (let p = 0; p < k; p++) {
    if (p === slot.position || slot.peers[String(p)]) continue;
    if (env.holder({ group: slot.group, position: p }) !== null) return false;
  }
  return true;
}

// A peer's confirmed entries are replaced, never changed, and read at each of our events.
const entrySets = new WeakMap<string[], Set<string>>();

function entrySet(entries: string[]): Set<string> {
  let set = entrySets.get(entries);
  if (!set) entrySets.set(entries, (set = new Set(entries)));
  return set;
}

/** The entries to sum, or null when this position lacks some agreed entry (Shamir). */
function agreedEntries(env: Env, slot: SlotState, own: string[]): string[] | null {
  if (syncOf(env, slot) === 'none') return own;
  if (env.strategy.sharing === 'additive') {
    const peerSets = Object.values(slot.peers).map((p) => entrySet(p.entries));
    return own.filter((e) => peerSets.every((s) => s.has(e)));
  }
  const agreed = shamirAgreed(env, slot, own);
  const mine = new Set(own);
  return agreed.every((e) => mine.has(e)) ? agreed : null;
}

/**
 * Shamir: the entries that at least t positions able to send all hold. Entries each held
 * by t positions may still have no t holders in common (e.g. three children each lost at
 * a different position); a position lacking one then abstains, and since its parent
 * position then lacks this group, the loss climbs to the root, where k − t + 1 such
 * positions leave fewer than t. So the entries held by the fewest positions are dropped until t
 * positions hold all the rest: the group loses those entries, never its t partial sums.
 * Every position computes this from the same confirmations, so they drop the same entries.
 */
function shamirAgreed(env: Env, slot: SlotState, own: string[]): string[] {
  const holdings = [new Set(own)];
  for (const [p, c] of Object.entries(slot.peers)) {
    // A failed position's old confirmation would count a holder that will never send.
    if (c.from === env.holder({ group: slot.group, position: Number(p) })) holdings.push(new Set(c.entries));
  }
  const t = env.params.threshold;
  const counts = new Map<string, number>();
  for (const h of holdings) for (const e of h) counts.set(e, (counts.get(e) ?? 0) + 1);
  // Fewest holders first, ties by entry, so every position drops in the same order.
  const agreed = [...counts].filter(([, n]) => n >= t).sort(([a, n], [b, m]) => n - m || (a < b ? -1 : a > b ? 1 : 0)).map(([e]) => e);
  while (agreed.length > 0 && holdings.filter((h) => agreed.every((e) => h.has(e))).length < t) agreed.shift();
  return agreed.sort();
}

/**
 * Whether this slot's sum can no longer improve unless an aggregator fails or a share
 * comes in late: a slot that stops never re-sends; one that stays needs its inputs closed
 * (leaf: the whole zone in or the deadline passed; inner: every child's sum at this
 * position final or complete, or its position lost for good) and, from each peer
 * position's current holder, a confirmation holding every entry of ours that can still
 * reach it, so additive agreement already keeps all it ever can. A position's flag alone
 * can be undone by a peer's transient version; when every position of the group is final
 * on one version, none is left to come, which is what the querier waits for.
 */
function settled(env: Env, slot: SlotState, own: string[]): boolean {
  if (env.strategy.standby === 'stop') return true;
  if (!inputsClosed(env, slot)) return false;
  if (syncOf(env, slot) === 'none') return true;
  for (let p = 0; p < env.params.groupSize; p++) {
    const holder = p === slot.position ? null : env.holder({ group: slot.group, position: p });
    if (holder === null) continue;
    const peer = slot.peers[String(p)];
    if (peer?.from !== holder) return false; // a backup that took over has not confirmed yet
    const has = entrySet(peer.entries);
    for (const e of own) if (!has.has(e) && (slot.leaf || env.holder({ group: entryKey(e), position: p }) !== null)) return false;
  }
  return true;
}

/** A child's sum that says it is final, or that is complete, cannot improve. */
const closedInput = (i: InputState | undefined): boolean => i !== undefined && (i.final || i.included >= i.received);

function inputsClosed(env: Env, slot: SlotState): boolean {
  if (slot.leaf) return slot.readyForced || allInputsIn(env, slot);
  return (env.topo.children.get(slot.group) ?? []).every(
    (c) => closedInput(slot.inputs[c]) || env.holder({ group: c, position: slot.position }) === null,
  );
}

/**
 * Validated queries: Prio3 work of this slot came back; it may let the slot go on. Once a new
 * holder's seed changed the key and everything confirmed is prepared again, the peers get
 * the new prep shares in a confirmation of the same entries.
 */
export function onSlotWork(env: Env, slot: SlotState): void {
  const check = slot.check;
  if (check && slot.confirmed && check.key !== null && check.confirmedKey !== check.key && preparedAll(slot, slot.confirmed)) confirm(env, slot, slot.confirmed);
  progress(env, slot);
}

function progress(env: Env, slot: SlotState): void {
  const mode = syncOf(env, slot);
  if (slot.phase === 'collecting') {
    const complete = allInputsIn(env, slot);
    if (!slot.readyForced && !complete) return;
    // A validated leaf confirms with its prep shares: it waits for the key and its own
    // preparations, until its deadline; then it confirms what it could prepare.
    let own = ownEntries(env, slot);
    if (!preparedAll(slot, own)) {
      if (!slot.readyForced) return;
      own = prepared(slot, own);
    }
    env.log('info', `${label(slot)}: inputs closed: ${complete ? (slot.leaf ? 'zone complete' : 'every child in') : 'deadline'}`);
    if (env.strategy.propagation === 'full' && !slot.leaf) {
      const missing = (env.topo.children.get(slot.group) ?? []).filter((c) => !slot.inputs[c]);
      if (missing.length > 0) return abortSlot(env, slot, `children ${missing.join(', ')} missing at the deadline (full propagation)`);
    }
    if (mode !== 'none') confirm(env, slot, own);
    if (mode !== 'blocking') return emitAgreed(env, slot);
    slot.phase = 'syncing';
    // Peers may collect until the same deadline: a slot whose inputs came in early waits
    // for them at least that long, not just a sync period from now.
    env.timerAt(slotTimerName('sync', slot), Math.max(env.now(), slot.deadline) + env.params.timeouts.syncMs);
  }
  if (slot.phase === 'syncing') {
    if (slot.syncExpired || peersSettled(env, slot)) emitAgreed(env, slot);
    return;
  }
  if (slot.phase === 'emitted' && env.strategy.standby === 'stay') {
    // A changed entry set is confirmed at once: a confirmation carries no vector, and peers
    // that sum on a stale one drop the entry that changed, every round.
    const own = ownEntries(env, slot);
    if (!preparedAll(slot, own)) return;
    if (mode !== 'none' && !sameEntries(own, slot.confirmed)) confirm(env, slot, own);
    // Corrections go out at most once per sync period, the latest state each time. Under
    // churn every input change would otherwise cost a re-send to each position above, and
    // each receiver the opening of a vector: more than an upper level can open, so its
    // inbox falls behind, its peers' confirmations with it, and the positions no longer
    // agree on any version of a child.
    const due = (slot.emittedAt ?? -Infinity) + env.params.timeouts.syncMs;
    if (env.now() < due) {
      if (env.state.timers[slotTimerName('resend', slot)] === undefined) env.timerAt(slotTimerName('resend', slot), due);
      return;
    }
    emitAgreed(env, slot);
  }
}

function sameEntries(a: string[], b: string[] | null): boolean {
  return b !== null && a.length === b.length && a.every((e, i) => e === b[i]);
}

function confirm(env: Env, slot: SlotState, entries: string[]): void {
  slot.confirmed = entries;
  if (slot.check) slot.check.confirmedKey = slot.check.key;
  for (const to of env.peerHolders(slot)) sendConfirmation(env, slot, to, entries);
}

function sendConfirmation(env: Env, slot: SlotState, to: WebId, entries: string[]): void {
  const sealed = sealedPrepShares(env, slot, entries, to);
  env.send<Confirmation>(to, { type: 'Confirmation', group: slot.group, position: slot.position, contributors: entries, ...(sealed ? { sealed } : {}) });
}

function emitAgreed(env: Env, slot: SlotState): void {
  const own = ownEntries(env, slot);
  let agreed = agreedEntries(env, slot, own);
  // A validated leaf sums only the contributions whose proof its group verified.
  const checked = agreed && slot.check ? verdicts(env, slot, agreed) : undefined;
  if (checked === null) return;
  if (checked) agreed = checked.valid;
  const wasEmitted = slot.phase === 'emitted';
  slot.phase = 'emitted';
  const group = env.topo.groups.get(slot.group);
  const root = group?.parent === null;
  if (agreed === null) {
    if (!wasEmitted) env.log('warn', `${label(slot)}: lacks shares its peers agreed on, abstains`);
    if (root) return; // an empty root version would read as a (refused) result
    // Say so at once with an empty version, so the parent position does not wait for this
    // input until its deadline while its peers, who have it, stop waiting for its confirmation.
    agreed = [];
  }
  const version = versionId(agreed);
  const inputs = agreed.map((e) => slot.inputs[slot.leaf ? e : entryKey(e)]);
  const included = inputs.reduce((n, i) => n + i.included, 0);
  const rejected = checked ? checked.rejected.length : inputs.reduce((n, i) => n + (i.rejected ?? 0), 0);
  const received = slot.leaf
    ? new Set([...Object.keys(slot.inputs), ...Object.values(slot.peers).flatMap((p) => p.entries)]).size
    : Object.values(slot.inputs).reduce((n, i) => n + i.received, 0);
  const final = settled(env, slot, own);
  // A complete sum cannot improve, so its parent needs no re-send just to set the flag (the
  // querier does: it compares with the most any root position received).
  if (slot.emitted?.version === version && (slot.emitted.final === final || (!root && included >= received))) return;
  const sum = zeros(vectorLength(env.ctx));
  for (const input of inputs) addInto(sum, input.sum, env.ring);
  const refused = root && included < env.ctx.query.minContributors;
  if (root && !refused && !noised(env, slot, sum)) return;
  const to = above(env, slot);
  slot.versions[version] = agreed;
  slot.emitted = {
    version, counter: slot.rank * RANK_COUNTER + slot.emissions++, included, received, final, sum: refused ? null : sum, to,
    ...(rejected ? { rejected } : {}),
  };
  slot.emittedAt = env.now();
  if (to) sendEmission(env, slot, to);
  const what = `${final ? 'final ' : ''}version ${version.slice(0, 8)} (${included} of ${received} contributors)`;
  if (refused) {
    env.log('warn', `${label(slot)}: refuses to release ${what}: below the minimum of ${env.ctx.query.minContributors}`);
  } else {
    env.log('info', `${label(slot)}: sent ${what} to ${root ? 'the querier' : to ? `parent ${group?.parent}` : 'nobody (parent lost)'}`);
  }
}

/**
 * A root position of a differentially private query adds its own noise to its sum, once:
 * the noisy sum is what the state keeps and any re-send repeats (dp-release.ts). A query it
 * cannot release with noise makes the position give up rather than send an exact sum.
 */
function noised(env: Env, slot: SlotState, sum: Vec): boolean {
  try {
    const release = releaseOf(env.ctx);
    if (release) addNoise(sum, release, env.ctx.random);
    return true;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    abortSlot(env, slot, `cannot release a differentially private sum: ${error.message}`);
    return false;
  }
}

function sendEmission(env: Env, slot: SlotState, to: WebId): void {
  const e = slot.emitted;
  if (!e) return;
  const sealed = env.seal(e.sum ? vecToBytes(e.sum) : new Uint8Array(0), to, slot.group, slot.position, 'partial');
  env.send<PartialAggregate>(to, {
    type: 'PartialAggregate',
    group: slot.group,
    position: slot.position,
    versionId: e.version,
    counter: e.counter,
    included: e.included,
    received: e.received,
    ...(e.final ? { final: true } : {}),
    ...(e.rejected ? { rejected: e.rejected } : {}),
    sealed,
  });
}
