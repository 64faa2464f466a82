// The dashboard in headless Chromium over a real demo's training runs (10 pods, one agent
// each): logistic regression trained for three rounds while the training page is open
// appears live, and its accuracy plot's points are the rounds' held-out accuracies; naive
// Bayes adds a training of one round beside it. Both trainings equal their plain answers.
// An unknown training is said to be unknown.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startDemo, type Demo, type TrainingOutcome } from '../demo/demo.ts';
import type { Dashboard } from '../dashboard/dashboard.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { SHOTS, openDashboard } from './dashboard-browser.ts';
import { freePorts } from '../harness/ports.ts';

let demo: Demo;
let dash: Dashboard;
let closeDashboard: (() => Promise<void>) | undefined;
let page: Page;

before(async () => {
  demo = await startDemo({ pods: 10, port: await freePorts(1), collectMs: LONG_COLLECT_MS });
  ({ dash, page, close: closeDashboard } = await openDashboard({ port: 0, stateDir: demo.stateDir, credentialsFile: demo.credentialsFile }));
});

after(async () => {
  await closeDashboard?.();
  await demo?.stop();
});

/** The plotted points of the accuracy chart, as the page holds them. */
const plotted = () =>
  page.locator('#accuracy circle').evaluateAll((points) => points.map((p) => [Number(p.getAttribute('data-x')), Number(p.getAttribute('data-y'))]));

test('a training run appears live and its plot shows each round\'s held-out accuracy', { timeout: 300_000 }, async () => {
  await page.goto(`${dash.url}#/training`);
  await page.getByText(/No training in the journal yet/).waitFor();
  const training: Promise<TrainingOutcome> = demo.train('logistic', { rounds: 3 });
  const link = page.getByRole('link', { name: 'Bank operation categories from their descriptions (logistic regression)' });
  await link.waitFor({ timeout: 120_000 });
  await link.click();
  await page.locator('#accuracy circle').first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(SHOTS, 'training-live.png'), fullPage: true });
  const outcome = await training;
  assert.ok(outcome.exact, `the training differs from its plain answer: ${outcome.abort ?? outcome.differences.join('; ')}`);
  assert.equal(outcome.rounds.length, 3);
  // The page redraws on each journal event: wait for the one that shows the third round.
  await page.waitForFunction(() => document.querySelectorAll('#accuracy circle').length === 3, undefined, { timeout: 30_000 });
  assert.deepEqual(await plotted(), outcome.rounds.map((r) => [r.round, r.accuracy]));
  const rows = await page.locator('main table tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
  assert.deepEqual(rows.map((cells) => [cells[0], cells[1], cells[3]]), outcome.rounds.map((r) => [String(r.round), String(r.contributors), `${r.correct} / ${r.rows}`]));
  await page.screenshot({ path: join(SHOTS, 'training-done.png'), fullPage: true });
});

test('naive Bayes is a training of its own, one round, listed beside the first', { timeout: 300_000 }, async () => {
  const outcome = await demo.train('naive-bayes');
  assert.ok(outcome.exact, `naive Bayes differs from its plain answer: ${outcome.abort ?? outcome.differences.join('; ')}`);
  await page.goto(`${dash.url}#/training`);
  const link = page.getByRole('link', { name: 'Bank operation categories from their descriptions (naive Bayes)' });
  await link.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('main table tbody tr').count(), 2);
  await link.click();
  await page.locator('#accuracy circle').first().waitFor();
  assert.deepEqual(await plotted(), [[1, outcome.rounds[0].accuracy]]);
  assert.deepEqual([outcome.federated!.correct, outcome.federated!.rows], [outcome.central!.correct, outcome.central!.rows]);
});

test('an unknown training gets a clear message', async () => {
  await page.goto(`${dash.url}#/training/0000000000000000`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
  assert.match((await page.locator('main').textContent()) ?? '', /no training "0000000000000000" in the journal/);
});
