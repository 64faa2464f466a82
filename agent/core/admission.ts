// Every incoming message is checked before any role sees it, cheapest first: it is for
// this query and this agent, its sender is registered and signed it, the plan gives the
// sender the role the message claims, and it is not a replay. Each failure has its own
// error code; a message dated beyond the clock bound in our future is refused (clock.ts). Sealed payloads are opened later, by the role that reads them; only then
// does the caller record the message in the replay guard (see ReplayGuard.record).

import type { Confirmation, Message } from '../../query-vocab/types.ts';
import { candidacies, candidates } from './backup.ts';
import { checkClock, supersedes } from './clock.ts';
import { ProtocolError } from './errors.ts';
import type { ReplayGuard } from './replay.ts';
import { isLeaf } from './topology.ts';
import type { Env } from './runtime.ts';

export function admit(env: Env, guard: ReplayGuard, m: Message): void {
  if (m.query !== env.ctx.query.id) throw new ProtocolError('not-in-plan', `${m.type} from ${m.sender} is for another query (${m.query})`);
  // An announcement is addressed to the whole population: one copy serves every member.
  const toUs = m.recipient === env.self || (m.type === 'Announcement' && m.recipient === env.ctx.query.population);
  if (!toUs) throw new ProtocolError('wrong-recipient', `${m.type} from ${m.sender} is addressed to ${m.recipient}`);
  const reg = env.ctx.directory.get(m.sender);
  if (!reg) throw new ProtocolError('unknown-sender', `${m.type} from ${m.sender}, who is not in the population directory`);
  env.crypto.verify(m, reg.ed25519);
  checkRole(env, m);
  checkClock(env.now(), m);
  if (m.type === 'Confirmation') checkFresh(env, m);
  else guard.check(m);
}

const notInPlan = (m: Message, why: string) => new ProtocolError('not-in-plan', `${m.type} from ${m.sender}: ${why}`);

function holds(env: Env, group: string, position: number, w: string): boolean {
  return candidates(env.topo, group, position).includes(w);
}

function checkRole(env: Env, m: Message): void {
  const { topo, self } = env;
  switch (m.type) {
    case 'Announcement':
      if (m.sender !== env.ctx.query.querier) throw notInPlan(m, 'only the querier announces its query');
      return;
    case 'Contribution':
    case 'Abstention':
      if (topo.plan.zones[m.sender] !== m.group) throw notInPlan(m, `the sender's zone is not ${m.group}`);
      if (!holds(env, m.group, m.position, self)) throw notInPlan(m, `we are not a candidate for ${m.group}#${m.position}`);
      return;
    case 'KeySeed':
      if (!env.ctx.query.validated) throw notInPlan(m, 'the query does not validate contributions');
      if (!isLeaf(topo, m.group)) throw notInPlan(m, `${m.group} is not a leaf group`);
      return checkPeer(env, m);
    case 'Confirmation':
      return checkPeer(env, m);
    case 'Withdrawal':
    case 'PartialAggregate': {
      if (!holds(env, m.group, m.position, m.sender)) throw notInPlan(m, `the sender is not a candidate for ${m.group}#${m.position}`);
      const parent = topo.groups.get(m.group)?.parent;
      if (parent === null) {
        if (self !== env.ctx.query.querier) throw notInPlan(m, 'a root aggregate goes to the querier');
      } else if (parent === undefined || !holds(env, parent, m.position, self)) {
        throw notInPlan(m, `we are not a candidate for ${parent}#${m.position}`);
      }
      return;
    }
  }
}

/** A message between the positions of one group: the sender holds its position, we another. */
function checkPeer(env: Env, m: Message & { group: string; position: number }): void {
  if (!holds(env, m.group, m.position, m.sender)) throw notInPlan(m, `the sender is not a candidate for ${m.group}#${m.position}`);
  if (!candidacies(env.topo, m.group, env.self).some((c) => c.position !== m.position)) throw notInPlan(m, `we hold no other position of ${m.group}`);
}

// Confirmations are superseded rather than counted: an older or identical confirmation
// for the same position is a replay (by send time from one sender, by rank across holders).
function checkFresh(env: Env, m: Confirmation): void {
  for (const slot of Object.values(env.state.slots)) {
    if (slot.group !== m.group) continue;
    const prev = slot.peers[String(m.position)];
    if (!prev) continue;
    const same = prev.entries.length === m.contributors.length && prev.entries.every((e, i) => e === m.contributors[i]);
    const next = { from: m.sender, sentAt: m.sentAt };
    if (!supersedes(env.topo, m.group, m.position, prev, next) && !(prev.from === m.sender && prev.sentAt === m.sentAt && !same)) {
      throw new ProtocolError('replayed', `Confirmation from ${m.sender} for ${m.group}#${m.position} is not newer than the last one`);
    }
  }
}
