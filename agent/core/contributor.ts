// The contributor role: split the encoded vector into one share per position of the
// zone's leaf group (additive, or Shamir for the threshold strategy), seal each share to
// the position's holder and send it with the consent statement. The shares are kept so a
// backup that replaces a failed member can be sent the same share again.

import type { Contribution, WebId } from '../../query-vocab/types.ts';
import { heldBefore } from './backup.ts';
import type { Env } from './runtime.ts';
import { splitShamir } from './shamir.ts';
import { splitAdditive } from './shares.ts';
import { vecToBytes, type Vec } from './ring.ts';

export function contribute(env: Env, vector: Vec, consent: string): void {
  const state = env.state;
  if (state.contributor) {
    env.log('warn', 'contributor: already contributed to this query; the second vector is ignored');
    return;
  }
  const leaf = env.ctx.plan.zones[env.self];
  if (!leaf) {
    env.log('warn', 'contributor: not in the plan population, nothing sent');
    return;
  }
  const { groupSize: k, threshold: t } = env.params;
  const shares = env.strategy.sharing === 'shamir' ? splitShamir(vector, k, t, env.ctx.random) : splitAdditive(vector, k, env.ctx.random);
  state.contributor = { leaf, consent, shares, sentTo: shares.map(() => null) };
  for (let p = 0; p < k; p++) sendShare(env, p);
  const sent = state.contributor.sentTo.filter((w) => w !== null).length;
  env.log('info', `contributor: sent ${sent} of ${k} sealed shares to leaf group ${leaf}`);
}

function sendShare(env: Env, position: number): void {
  const c = env.state.contributor;
  if (!c) return;
  const to = env.holder({ group: c.leaf, position });
  c.sentTo[position] = to;
  if (!to) return;
  const sealed = env.seal(vecToBytes(c.shares[position]), to, c.leaf, position, 'share');
  env.send<Contribution>(to, { type: 'Contribution', group: c.leaf, position, consent: c.consent, sealed });
}

/** A leaf member we sent to failed: re-send its share to the backup now holding it. */
export function contributorPeerFailed(env: Env, w: WebId): void {
  const c = env.state.contributor;
  if (!c) return;
  c.sentTo.forEach((to, position) => {
    if (to !== w || !heldBefore(env.topo, { group: c.leaf, position }, w, env.isFailed)) return;
    sendShare(env, position);
    const now = c.sentTo[position];
    env.log('info', now ? `contributor: ${w} failed, share ${position} re-sent to backup ${now}` : `contributor: ${w} failed, share ${position} is lost`);
  });
}
