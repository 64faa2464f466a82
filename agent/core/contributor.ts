// The contributor role: a zone member answers each position of its leaf group. To
// contribute, it splits the encoded vector into one share per position (additive, or
// Shamir for the threshold strategy), seals each share to the position's holder and sends
// it with the consent statement. To decline, it sends each position a signed abstention
// with no reason, so the leaf closes as soon as its zone answered instead of at its
// deadline. The answer is kept so a backup that replaces a failed member gets it again.

import type { Abstention, Contribution, WebId } from '../../query-vocab/types.ts';
import { heldBefore } from './backup.ts';
import { ProtocolError } from './errors.ts';
import type { Env } from './runtime.ts';
import { splitShamir } from './shamir.ts';
import { splitAdditive } from './shares.ts';
import { vecToBytes, type Vec } from './ring.ts';
import type { ContributorState } from './state.ts';

export function contribute(env: Env, vector: Vec, consent: string): void {
  const leaf = answerable(env);
  if (!leaf) return;
  // A validated contribution is sharded by Prio3, asynchronously: the answer goes out with the payloads.
  if (env.validation) {
    env.actions.push({ type: 'prio3', work: { kind: 'shard', vector, consent } });
    return;
  }
  const { groupSize: k, threshold: t } = env.params;
  const shares = env.strategy.sharing === 'shamir' ? splitShamir(vector, k, t, env.ctx.random) : splitAdditive(vector, k, env.ctx.random);
  answer(env, { kind: 'shares', leaf, consent, shares, sentTo: shares.map(() => null) });
}

/** The Prio3 payloads of a validated contribution, one per leaf position. */
export function contributePayloads(env: Env, payloads: Uint8Array[], consent: string): void {
  const leaf = answerable(env);
  if (!leaf) return;
  if (payloads.length !== env.params.groupSize) throw new ProtocolError('bad-input', `${payloads.length} payloads for a group of ${env.params.groupSize}`);
  answer(env, { kind: 'payloads', leaf, consent, payloads, sentTo: payloads.map(() => null) });
}

export function abstain(env: Env, reason: string): void {
  env.state.declined = reason;
  env.log('info', `contributor: declined: ${reason}`);
  const leaf = answerable(env);
  if (leaf) answer(env, { kind: 'abstention', leaf, sentTo: new Array<WebId | null>(env.params.groupSize).fill(null) });
}

/** The leaf group this member answers, or null (logged) when it already answered or is not zoned. */
function answerable(env: Env): string | null {
  if (env.state.contributor) {
    env.log('warn', 'contributor: already answered this query; a second answer is ignored');
    return null;
  }
  const leaf = env.ctx.plan.zones[env.self];
  if (!leaf) env.log('warn', 'contributor: not in the plan population, nothing sent');
  return leaf ?? null;
}

function answer(env: Env, c: ContributorState): void {
  env.state.contributor = c;
  for (let p = 0; p < c.sentTo.length; p++) sendAnswer(env, p);
  const sent = c.sentTo.filter((w) => w !== null).length;
  const what = c.kind === 'abstention' ? 'abstentions' : 'sealed shares';
  env.log('info', `contributor: sent ${sent} of ${c.sentTo.length} ${what} to leaf group ${c.leaf}`);
}

function sendAnswer(env: Env, position: number): void {
  const c = env.state.contributor;
  if (!c) return;
  const to = env.holder({ group: c.leaf, position });
  c.sentTo[position] = to;
  if (!to) return;
  if (c.kind === 'abstention') {
    env.send<Abstention>(to, { type: 'Abstention', group: c.leaf, position });
    return;
  }
  const bytes = c.kind === 'shares' ? vecToBytes(c.shares[position]) : c.payloads[position];
  const sealed = env.seal(bytes, to, c.leaf, position, 'share');
  env.send<Contribution>(to, { type: 'Contribution', group: c.leaf, position, consent: c.consent, sealed });
}

/** A leaf member we answered failed: answer the backup now holding its position. */
export function contributorPeerFailed(env: Env, w: WebId): void {
  const c = env.state.contributor;
  if (!c) return;
  const what = c.kind === 'abstention' ? 'abstention' : 'share';
  c.sentTo.forEach((to, position) => {
    if (to !== w || !heldBefore(env.topo, { group: c.leaf, position }, w, env.isFailed)) return;
    sendAnswer(env, position);
    const now = c.sentTo[position];
    env.log('info', now ? `contributor: ${w} failed, ${what} ${position} re-sent to backup ${now}` : `contributor: ${w} failed, ${what} ${position} is lost`);
  });
}
