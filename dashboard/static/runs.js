// The runs list and one run: state, counts, timings, the live tree and the result.

import { api } from './api.js';
import { agentHref, badge, facts, h, notice, number, runHref, shortName, table, time } from './dom.js';
import { resultSection } from './result.js';
import { legend, treeSvg } from './tree.js';

export async function runsView() {
  const { runs } = await api('/runs');
  if (runs.length === 0) {
    return [h('h1', {}, 'Runs'), notice('No run in the journal yet. Publish a query (for example with podagg demo) and it appears here live.')];
  }
  // data-key: a live refresh redraws the list, and gives focus back to the link that had it.
  return [h('h1', {}, 'Runs'), table(['Query', 'State', 'Querier', 'Started', 'Events'], runs.map((r) => [
    h('a', { href: runHref(r.id), 'data-key': `run:${r.id}` }, r.title ?? r.query),
    badge(r.state),
    r.querier ? h('a', { href: agentHref(r.querier), 'data-key': `run:${r.id}:querier` }, shortName(r.querier)) : '—',
    time(r.startedAt),
    String(r.events),
  ]))];
}

export async function runView(id) {
  const run = await api(`/runs/${encodeURIComponent(id)}`);
  const c = run.counts;
  const t = run.timings;
  return [
    h('p', {}, h('a', { href: '#/' }, '← All runs')),
    h('h1', {}, run.title ?? run.query, ' ', badge(run.state)),
    h('p', { class: 'mono' }, h('a', { href: run.query }, run.query)),
    run.problems.map((p) => notice(p, true)),
    h('h2', {}, 'Counts'),
    facts([
      ['announced to', c.announced], ['joined', c.accepted], ['refused', c.refused], ['contributed', c.contributed],
      ['messages sent', c.sent], ['received', c.received], ['rejected', c.rejected], ['failures', c.failed],
    ]),
    h('h2', {}, 'Timings'),
    facts([
      ['published', time(t.startedAt)], ['first contribution', time(t.firstContributionAt)],
      ['last contribution', time(t.lastContributionAt)], ['ended', time(t.endedAt)],
      ['duration', t.durationMs === undefined ? 'running…' : `${number(t.durationMs / 1000, 3)} s`],
    ]),
    h('h2', {}, 'Aggregation tree'),
    run.tree ? [legend(), treeSvg(run.tree)] : notice('The plan is not known yet, so the tree cannot be drawn.'),
    run.result ? resultSection(run.result, run.aggregates) : h('h2', {}, 'Result: ', run.state === 'aborted' ? 'none, the run was aborted' : 'not yet'),
    h('details', {}, h('summary', {}, `Journal (${run.journal.length} events)`),
      table(['At', 'Agent', 'Step', 'Message', 'Peer', 'Group', 'Note'], run.journal.slice(-300).map((e) => [
        time(e.at), h('a', { href: agentHref(e.webId) }, shortName(e.webId)), e.kind, e.messageType ?? '',
        e.peer ? shortName(e.peer) : '', e.group === undefined ? '' : `${e.group}${e.position === undefined ? '' : `#${e.position}`}`,
        e.reason ?? e.text,
      ]))),
  ];
}
