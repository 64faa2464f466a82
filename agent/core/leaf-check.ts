// The leaf group's check of validated contributions (Prio3). Each position holder draws a
// random seed and seals it to the group's other holders; the verification key is a hash
// of every position's seed, so no contributor can know it (sortition.ts keeps leaf members out
// of their own leaf's zone, and a backup that holds a position here has its own
// contribution left out). A holder prepares each payload it received under that key and
// sends its prep shares with its confirmation; once a contributor's k prep shares are in,
// each holder finishes the preparation itself: the same k prep shares give every honest
// holder the same verdict, so they keep the same contributors and their sums agree. Only
// valid output shares are summed; the rest are counted as rejected, never dropped silently.
// A new holder of a position brings a new seed, hence a new key: everything is prepared again.

import type { Confirmation, KeySeed, WebId } from '../../query-vocab/types.ts';
import { shortDigest } from './digest.ts';
import { ProtocolError } from './errors.ts';
import type { Prio3Outcome, Prio3Work } from './prio3-work.ts';
import type { Env } from './runtime.ts';
import { zeros, type Vec } from './ring.ts';
import type { LeafCheck, SlotState } from './state.ts';
import { SEED_SIZE, verifyKey } from './verify-key.ts';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const label = (s: SlotState) => `aggregator ${s.group}#${s.position}`;

/** The output share's placeholder until the contribution is verified: it is never summed. */
export const UNVERIFIED = zeros(0);

// By length, not identity: a state read back from disk holds its own empty vectors.
const verified = (sum: Vec): boolean => sum.length > 0;

export function startCheck(env: Env, slot: SlotState): void {
  const seed = hex(env.ctx.random(SEED_SIZE));
  slot.check = { seed, seeds: {}, key: null, payloads: {}, prep: {}, peerPrep: {}, rejected: {}, asked: {} };
  for (const to of env.peerHolders(slot)) sendSeed(env, slot, to);
}

/** A holder that took over a peer position needs our seed (and we need its new one). */
export function checkPeerFailed(env: Env, slot: SlotState, takers: Iterable<WebId>): void {
  if (!slot.check) return;
  for (const to of takers) sendSeed(env, slot, to);
  rekey(env, slot);
}

function sendSeed(env: Env, slot: SlotState, to: WebId): void {
  const check = slot.check;
  if (!check) return;
  const sealed = env.seal(unhex(check.seed), to, slot.group, slot.position, 'seed');
  env.send<KeySeed>(to, { type: 'KeySeed', group: slot.group, position: slot.position, sealed });
}

export function onKeySeed(env: Env, slot: SlotState, m: KeySeed): void {
  const check = slot.check;
  if (!check) throw new ProtocolError('bad-input', `KeySeed from ${m.sender}: ${slot.group} is not the leaf of a validated query`);
  const seed = env.open(m, 'seed');
  if (seed.length !== SEED_SIZE) throw new ProtocolError('bad-input', `KeySeed from ${m.sender} holds ${seed.length} bytes, not ${SEED_SIZE}`);
  check.seeds[m.position] = { seed: hex(seed), from: m.sender };
  rekey(env, slot);
}

/** The verification key from every position's current holder's seed, or null while one is missing. */
function currentKey(env: Env, slot: SlotState, check: LeafCheck): string | null {
  const seeds: Uint8Array[] = [];
  for (let p = 0; p < env.params.groupSize; p++) {
    const s = p === slot.position ? { seed: check.seed, from: env.self } : check.seeds[p];
    if (!s || s.from !== env.holder({ group: slot.group, position: p })) return null;
    seeds.push(unhex(s.seed));
  }
  return hex(verifyKey(env.ctx.query.id, slot.group, seeds));
}

function rekey(env: Env, slot: SlotState): void {
  const check = slot.check;
  if (!check) return;
  const key = currentKey(env, slot, check);
  if (key === check.key) return;
  check.key = key;
  check.prep = {};
  check.rejected = {};
  check.asked = {};
  for (const input of Object.values(slot.inputs)) input.sum = UNVERIFIED;
  if (key) env.log('info', `${label(slot)}: verification key agreed with the group`);
  askPrepares(env, slot);
}

/** A contributor's opened payload, kept until the key is known and verified under it. */
export function acceptPayload(env: Env, slot: SlotState, from: WebId, payload: Uint8Array): void {
  const check = slot.check;
  if (!check) throw new ProtocolError('bad-input', `${slot.group} is not the leaf of a validated query`);
  check.payloads[from] = payload;
  askPrepares(env, slot);
}

function ask(env: Env, check: LeafCheck, id: string, work: Prio3Work): void {
  if (check.asked[id]) return;
  check.asked[id] = true;
  env.actions.push({ type: 'prio3', work });
}

function askPrepares(env: Env, slot: SlotState): void {
  const check = slot.check;
  if (!check?.key) return;
  const key = unhex(check.key);
  for (const [contributor, payload] of Object.entries(check.payloads)) {
    if (check.prep[contributor] !== undefined) continue;
    ask(env, check, `prepare ${contributor}`, { kind: 'prepare', group: slot.group, position: slot.position, contributor, key, payload });
  }
}

/** A resumed run lost the work it had asked for: ask again. */
export function resumeCheck(env: Env, slot: SlotState): boolean {
  if (!slot.check) return false;
  slot.check.asked = {};
  askPrepares(env, slot);
  return true;
}

/** The transport finished some work of this slot; false when it is stale (another key). */
export function onCheckWork(env: Env, slot: SlotState, work: Prio3Work, outcome: Prio3Outcome): boolean {
  const check = slot.check;
  if (!check || work.kind === 'shard' || hex(work.key) !== check.key) return false;
  const c = work.contributor;
  if (outcome.kind === 'prepared') {
    check.prep[c] = outcome.prepShare;
    if (outcome.problem) env.log('warn', `${label(slot)}: contribution from ${c} cannot be prepared: ${outcome.problem}`);
    return true;
  }
  if (outcome.kind !== 'verified') return false;
  const input = slot.inputs[c];
  if (!input) return false;
  if (outcome.verdict.kind === 'valid') {
    input.sum = outcome.verdict.output;
  } else {
    check.rejected[c] = outcome.verdict.reason;
    env.log('warn', `${label(slot)}: contribution from ${c} rejected as invalid: ${outcome.verdict.reason}`);
  }
  return true;
}

/** Whether this holder can confirm `entries`: the key is agreed and each has its prep share. */
export function preparedAll(slot: SlotState, entries: string[]): boolean {
  const check = slot.check;
  return !check || (check.key !== null && entries.every((e) => check.prep[e] !== undefined));
}

/** The entries this holder has prepared under the current key. */
export function prepared(slot: SlotState, entries: string[]): string[] {
  const check = slot.check;
  if (!check) return entries;
  return check.key === null ? [] : entries.filter((e) => check.prep[e] !== undefined);
}

/** The sealed prep shares a confirmation of `entries` carries to `to`. */
export function sealedPrepShares(env: Env, slot: SlotState, entries: string[], to: WebId): Uint8Array | undefined {
  const check = slot.check;
  if (!check?.key) return undefined;
  const shares: Record<string, string> = {};
  for (const e of entries) shares[e] = Buffer.from(check.prep[e] ?? new Uint8Array(0)).toString('base64');
  const bytes = new TextEncoder().encode(JSON.stringify({ key: keyTag(check.key), shares }));
  return env.seal(bytes, to, slot.group, slot.position, 'prep');
}

// Peers learn which key a prep share was made under, not the key.
const keyTag = (key: string): string => shortDigest(`podagg verification key ${key}`);

export function onPeerPrepShares(env: Env, slot: SlotState, m: Confirmation): void {
  const check = slot.check;
  if (!check) {
    if (m.sealed) throw new ProtocolError('bad-input', `Confirmation from ${m.sender} carries prep shares, but ${slot.group} is not the leaf of a validated query`);
    return;
  }
  if (!m.sealed) {
    // A holder that never agreed on the key confirms what it could prepare: nothing.
    if (m.contributors.length === 0) return;
    throw new ProtocolError('bad-input', `Confirmation from ${m.sender} for the validated leaf ${m.group} carries no prep shares`);
  }
  let parsed: { key?: unknown; shares?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(env.open(m as Confirmation & { sealed: Uint8Array }, 'prep')));
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('bad-input', `Confirmation from ${m.sender}: its prep shares are not readable`);
  }
  const { key, shares } = parsed;
  if (typeof key !== 'string' || !shares || typeof shares !== 'object') {
    throw new ProtocolError('bad-input', `Confirmation from ${m.sender}: its prep shares lack a key tag or shares`);
  }
  const out: Record<WebId, Uint8Array> = {};
  for (const e of m.contributors) {
    const s = (shares as Record<string, unknown>)[e];
    if (typeof s !== 'string') throw new ProtocolError('bad-input', `Confirmation from ${m.sender}: no prep share for ${e}`);
    out[e] = new Uint8Array(Buffer.from(s, 'base64'));
  }
  check.peerPrep[m.position] = { key, from: m.sender, shares: out };
}

/**
 * The agreed entries split by verdict, or null while some verdict is still being worked
 * out. An entry whose prep share a peer has not sent under our key is left out once the
 * sync wait is over (it is not counted as rejected: nobody could check it).
 */
export function verdicts(env: Env, slot: SlotState, agreed: string[]): { valid: string[]; rejected: string[] } | null {
  const check = slot.check;
  if (!check) return { valid: agreed, rejected: [] };
  if (!check.key) return slot.syncExpired ? { valid: [], rejected: [] } : null;
  const tag = keyTag(check.key);
  const key = unhex(check.key);
  const valid: string[] = [];
  const rejected: string[] = [];
  let waiting = false;
  for (const e of agreed) {
    if (check.rejected[e] !== undefined) {
      rejected.push(e);
      continue;
    }
    if (slot.inputs[e] && verified(slot.inputs[e].sum)) {
      valid.push(e);
      continue;
    }
    const prepShares = prepSharesOf(env, slot, check, tag, e);
    if (!prepShares) {
      if (!slot.syncExpired) waiting = true;
      else if (!check.asked[`dropped ${e}`]) {
        check.asked[`dropped ${e}`] = true;
        env.log('warn', `${label(slot)}: contribution from ${e} left out: the group's prep shares for it did not all arrive under one key`);
      }
      continue;
    }
    const payload = check.payloads[e];
    if (!payload) continue;
    ask(env, check, `verify ${e}`, { kind: 'verify', group: slot.group, position: slot.position, contributor: e, key, payload, prepShares });
    waiting = true;
  }
  return waiting ? null : { valid, rejected };
}

/** Entry e's prep shares in position order, each from the position's current holder under our key; null if one is missing. */
function prepSharesOf(env: Env, slot: SlotState, check: LeafCheck, tag: string, e: string): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  for (let p = 0; p < env.params.groupSize; p++) {
    if (p === slot.position) {
      const own = check.prep[e];
      if (own === undefined) return null;
      out.push(own);
      continue;
    }
    const peer = check.peerPrep[p];
    const share = peer?.shares[e];
    if (!peer || peer.key !== tag || peer.from !== env.holder({ group: slot.group, position: p }) || share === undefined) return null;
    out.push(share);
  }
  return out;
}
