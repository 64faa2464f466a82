// The dashboard in headless Chromium over the fixture run, played live while the page is
// open: the tree's nodes change state without a reload, the result chart appears, an
// agent page shows its consent decision, the keyboard reaches everything, narrow screens
// fit, and a banner says so when the server goes away.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Dashboard } from '../dashboard/dashboard.ts';
import { runId } from '../dashboard/run-state.ts';
import { EventLog } from '../agent/solid/events.ts';
import { SHOTS, openDashboard } from './dashboard-browser.ts';
import { ALICE_NAME, startFixture, type Fixture } from './dashboard-fixture.ts';

let fx: Fixture;
let dash: Dashboard;
let closeDashboard: (() => Promise<void>) | undefined;
let page: Page;

before(async () => {
  fx = await startFixture();
  ({ dash, page, close: closeDashboard } = await openDashboard({ port: 0, stateDir: fx.stateDir, credentialsFile: fx.credentialsFile, simulationsDir: fx.simulationsDir }));
});

after(async () => {
  await closeDashboard?.();
  await fx?.stop();
});

const node = (key: string) => page.locator(`[data-key="${key}"]`);

test('a run appears live, its tree fills up and its result chart appears', async () => {
  await page.goto(dash.url);
  await page.getByRole('link', { name: /Spending/i }).waitFor();
  const playing = fx.playMeanRun(500);
  const link = page.getByRole('link', { name: 'Mean daily steps of people over 50' });
  await link.waitFor({ timeout: 15_000 });
  await link.focus();
  await page.keyboard.press('Enter');
  await node('g.0#0').waitFor();
  assert.notEqual(await node('g#0').getAttribute('data-state'), 'sent', 'the root has not sent yet when the tree first shows');
  await page.screenshot({ path: join(SHOTS, 'run-live.png'), fullPage: true });
  await playing;
  await page.locator('[data-key="querier"][data-state="done"]').waitFor({ timeout: 15_000 });
  for (const key of ['g#0', 'g#1', 'g.0#0', 'g.1#0', 'g.1#1']) assert.equal(await node(key).getAttribute('data-state'), 'sent', key);
  assert.equal(await node('g.0#1').getAttribute('data-state'), 'replaced');
  assert.equal(await node(`c:${fx.bob}`).getAttribute('data-state'), 'refused');
  await page.locator('#result .scalar .value').first().waitFor();
  assert.equal(await page.locator('#result .scalar .value').first().textContent(), '7,421.5');
  assert.match((await page.locator('#result').textContent()) ?? '', /3 contributors/);
  await page.screenshot({ path: join(SHOTS, 'run-done.png'), fullPage: true });
});

test("Enter on a tree node opens that agent's page with its consent decision", async () => {
  await node(`c:${fx.bob}`).focus();
  await page.keyboard.press('Enter');
  await page.locator('#consent-log').waitFor();
  assert.match(decodeURIComponent(page.url()), new RegExp(`#/agents/${fx.bob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  assert.match((await page.locator('#consent-log').textContent()) ?? '', /refused.*not accepted by the policy/);
  assert.ok((await page.locator('main h1').textContent())?.startsWith(new URL(fx.bob).host), 'bob is labelled by his pod');
  await page.screenshot({ path: join(SHOTS, 'agent-refused.png'), fullPage: true });
  await page.goto(`${dash.url}#/agents/${encodeURIComponent(fx.alice)}`);
  await page.locator('main p.mono', { hasText: fx.alice }).waitFor();
  // Her profile's name is her label (bob's has none: his pod's host and path are his).
  assert.equal(await page.locator('main h1').textContent(), ALICE_NAME);
  assert.match((await page.locator('#consent-log').textContent()) ?? '', /joined/);
  assert.match((await page.locator('main').textContent()) ?? '', /max queries per day/);
});

test('a focused run link keeps its focus when the list is redrawn by a live update', async () => {
  await page.goto(dash.url);
  const id = runId(fx.histogramQuery);
  const link = node(`run:${id}`);
  await link.focus();
  const events = page.locator('tr', { has: link }).locator('td').last();
  const before = Number(await events.textContent());
  new EventLog(fx.stateDir).record({ webId: fx.querier, query: fx.histogramQuery, kind: 'log', text: 'a live update' });
  await page.waitForFunction(([key, n]) => {
    const cell = document.querySelector(`[data-key="${key}"]`)?.closest('tr')?.lastElementChild;
    return Number(cell?.textContent) > Number(n);
  }, [`run:${id}`, String(before)] as const);
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key), `run:${id}`);
});

test('a grouped histogram result is drawn as bars', async () => {
  await page.goto(`${dash.url}#/runs/${runId(fx.histogramQuery)}`);
  await page.locator('#result svg.bars').first().waitFor();
  assert.equal(await page.locator('#result svg.bars').count(), 6);
  assert.equal(await page.locator('#result svg.bars').first().locator('rect.bar').count(), 5);
  await page.screenshot({ path: join(SHOTS, 'run-histogram.png'), fullPage: true });
});

test('the simulations page plots completeness and latency per strategy', async () => {
  await page.goto(`${dash.url}#/simulations`);
  await page.getByRole('link', { name: 'sweep.csv' }).click();
  await page.locator('[data-series="HighCompleteness"]').first().waitFor();
  assert.equal(await page.locator('figure.chart').count(), 3);
  assert.equal(await page.locator('[data-series="LowCost"] circle').first().count(), 1);
  await page.screenshot({ path: join(SHOTS, 'simulations.png'), fullPage: true });
});

test('unknown runs and WebIDs get a clear message', async () => {
  await page.goto(`${dash.url}#/runs/0000000000000000`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
  assert.match((await page.locator('main').textContent()) ?? '', /no run "0000000000000000" in the journal/);
  await page.goto(`${dash.url}#/agents/${encodeURIComponent('https://nobody.example/profile/card#me')}`);
  await page.getByText(/no agent with WebID/).waitFor();
});

test('a narrow screen has no sideways page scroll', async () => {
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(`${dash.url}#/runs/${runId(fx.meanQuery)}`);
  await page.locator('#result').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(SHOTS, 'run-narrow.png'), fullPage: true });
});

test('a banner says when the server is unreachable', async () => {
  await dash.stop();
  await page.locator('#banner:not([hidden])').waitFor({ timeout: 10_000 });
  assert.match((await page.locator('#banner').textContent()) ?? '', /not reachable/);
  await page.screenshot({ path: join(SHOTS, 'unreachable.png') });
});
