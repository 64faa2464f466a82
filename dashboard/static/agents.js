// The agents list and one agent: its consent policy, its consent log, and the protocol
// messages it sent and received (types, peers and positions; the journal has no values).

import { api } from './api.js';
import { agentHref, badge, facts, h, notice, runHref, shortName, table, time } from './dom.js';

export async function agentsView() {
  const { agents } = await api('/agents');
  if (agents.length === 0) return [h('h1', {}, 'Agents'), notice('No agent is known yet: the journal is empty and no credentials file was given.')];
  return [h('h1', {}, 'Agents'), table(['WebID', 'Journal events', 'Consent readable'], agents.map((a) => [
    h('a', { href: agentHref(a.webId) }, shortName(a.webId), ' ', h('span', { class: 'mono' }, a.webId)),
    String(a.events),
    a.credentials ? 'yes' : 'no',
  ]))];
}

const list = (xs) => (xs.length ? xs.map((x) => h('div', { class: 'mono' }, x)) : '—');

function policyFacts(p) {
  return facts([
    ['purposes', list(p.purposes)],
    ['queriers', p.anyQuerier ? 'anyone' : list(p.queriers)],
    ['data scope', list(p.dataScope)],
    ['data classes (type indexes)', list(p.dataClasses ?? [])],
    ['min group size', p.minGroupSize],
    ['min contributors', p.minContributors],
    ['max queries per day', p.maxQueriesPerDay],
  ]);
}

export async function agentView(webId) {
  const agent = await api(`/agents/${encodeURIComponent(webId)}`);
  const runOf = new Map(agent.runs.map((r) => [r.query, r.id]));
  const queryLink = (query) => (runOf.has(query) ? h('a', { href: runHref(runOf.get(query)) }, query) : query);
  return [
    h('p', {}, h('a', { href: '#/agents' }, '← All agents')),
    h('h1', {}, shortName(agent.webId)),
    h('p', { class: 'mono' }, agent.webId),
    agent.problems.map((p) => notice(p, true)),
    h('h2', {}, 'Consent policy'),
    agent.policy ? policyFacts(agent.policy) : agent.policy === null ? notice('This pod has no consent policy: the agent refuses every query.') : notice('Not readable.'),
    h('h2', {}, 'Consent log'),
    agent.consentLog.length === 0 ? notice('No consent decision recorded.') :
      h('div', { id: 'consent-log' }, table(['Query', 'Decision', 'Why', 'Documents it let be read', 'At'], agent.consentLog.map((d) => [
        queryLink(d.query), badge(d.accepted ? 'joined' : 'refused'), d.reason, list(d.documents ?? []), time(d.at),
      ]))),
    h('h2', {}, 'Messages and steps'),
    agent.messages.length === 0 ? notice('The journal holds nothing from this agent.') :
      table(['At', 'Run', 'Step', 'Message', 'Peer', 'Group', 'Note'], agent.messages.slice(-500).map((e) => [
        time(e.at), e.run ? h('a', { href: runHref(e.run) }, e.run.slice(0, 8)) : '', e.kind, e.messageType ?? '',
        e.peer ? h('a', { href: agentHref(e.peer) }, shortName(e.peer)) : '',
        e.group === undefined ? '' : `${e.group}${e.position === undefined ? '' : `#${e.position}`}`,
        e.kind === 'consent' ? `${e.accepted ? 'joined' : 'refused'}: ${e.reason ?? ''}` : (e.reason ?? e.text),
      ])),
  ];
}
