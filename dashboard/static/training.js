// Federated trainings: each one's held-out accuracy plotted against its rounds, and its
// rounds with their contributors and the runs behind them.

import { api } from './api.js';
import { lineChart } from './charts.js';
import { agentHref, facts, h, notice, number, percent, runHref, shortName, table, time } from './dom.js';

const trainingHref = (id) => `#/training/${encodeURIComponent(id)}`;
const TRAINERS = { NaiveBayes: 'naive Bayes', LogisticRegression: 'logistic regression' };

export async function trainingsView() {
  const { trainings } = await api('/trainings');
  const head = h('h1', {}, 'Training');
  if (trainings.length === 0) {
    return [head, notice('No training in the journal yet. Run podagg train (or podagg demo) and each round appears here once its model is scored.')];
  }
  return [head, table(['Training', 'Trainer', 'Querier', 'Rounds', 'Last accuracy'], trainings.map((t) => [
    h('a', { href: trainingHref(t.id), 'data-key': `training:${t.id}` }, t.title),
    TRAINERS[t.trainer] ?? t.trainer ?? '—',
    t.querier ? h('a', { href: agentHref(t.querier) }, shortName(t.querier)) : '—',
    String(t.rounds.length),
    percent(t.rounds.at(-1)?.accuracy),
  ]))];
}

export async function trainingView(id) {
  const t = await api(`/trainings/${encodeURIComponent(id)}`);
  const last = t.rounds.at(-1);
  return [
    h('p', {}, h('a', { href: '#/training' }, '← All trainings')),
    h('h1', {}, t.title),
    h('p', { class: 'mono' }, 'First model: ', h('a', { href: t.firstModel }, t.firstModel)),
    facts([
      ['trainer', TRAINERS[t.trainer] ?? t.trainer ?? '—'], ['rounds', t.rounds.length],
      ['last accuracy', percent(last?.accuracy)], ['held-out rows', last ? number(last.rows) : '—'],
      ['querier', t.querier ? shortName(t.querier) : '—'],
    ]),
    h('div', { id: 'accuracy' }, lineChart('Held-out accuracy by round', 'round', 'accuracy', [
      { name: 'held-out accuracy', points: t.rounds.map((r) => ({ x: r.round, y: r.accuracy })) },
    ], { yMax: 1, format: percent })),
    h('h2', {}, 'Rounds'),
    table(['Round', 'Contributors', 'Accuracy', 'Correct / rows', 'Loss', 'Scored by', 'Training run', 'Evaluation run', 'Ended'], t.rounds.map((r) => [
      String(r.round), r.contributors === undefined ? '—' : String(r.contributors), percent(r.accuracy), `${number(r.correct)} / ${number(r.rows)}`,
      number(r.loss), `${r.evaluators} owners`,
      r.training ? h('a', { href: runHref(r.training.run) }, 'training') : '—',
      h('a', { href: runHref(r.evaluation.run) }, 'evaluation'),
      time(r.endedAt),
    ])),
  ];
}
