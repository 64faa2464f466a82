// The dashboard in headless Chromium over a real demo: 12 pods, one agent each, the
// mean-steps query published while the run page is open. The tree's nodes turn done and
// the result chart appears without a reload; a refusing owner's page shows the refusal.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startDemo, type Demo, type DemoOutcome } from '../demo/demo.ts';
import type { Dashboard } from '../dashboard/dashboard.ts';
import { SHOTS, openDashboard } from './dashboard-browser.ts';
import { freePorts } from '../harness/ports.ts';

let demo: Demo;
let dash: Dashboard;
let closeDashboard: (() => Promise<void>) | undefined;
let page: Page;

before(async () => {
  demo = await startDemo({ pods: 12, port: await freePorts(1) });
  ({ dash, page, close: closeDashboard } = await openDashboard({ port: 0, stateDir: demo.stateDir, credentialsFile: demo.credentialsFile }));
});

after(async () => {
  await closeDashboard?.();
  await demo?.stop();
});

test('a demo query: the run page fills up live and shows the result', { timeout: 120_000 }, async () => {
  await page.goto(dash.url);
  const outcome: Promise<DemoOutcome> = demo.publish('mean-steps');
  const link = page.getByRole('link', { name: 'Mean daily steps of people over 50' });
  await link.waitFor({ timeout: 60_000 });
  await link.click();
  await page.locator('[data-key="querier"]').waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(SHOTS, 'demo-run-live.png'), fullPage: true });
  const done = await outcome;
  assert.ok(done.result, `the demo run ended without a result: ${done.abort}`);
  await page.locator('[data-key="querier"][data-state="done"]').waitFor({ timeout: 30_000 });
  await page.locator('#result .scalar .value').first().waitFor({ timeout: 30_000 });
  // A member's 'sent' is journaled once its POST returns, which may be just after the querier published.
  const settled = () =>
    page.locator('[data-key^="g"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')));
  const allSent = () => {
    const shown = Array.from(document.querySelectorAll('[data-key^="g"]'), (n) => n.getAttribute('data-state'));
    return shown.length > 0 && shown.every((s) => s === 'sent' || s === 'replaced');
  };
  // The page redraws on each event it is sent: wait for the redraw that shows every member sent.
  await page.waitForFunction(allSent, undefined, { timeout: 15_000 }).catch(() => undefined);
  const states = await settled();
  assert.ok(states.length > 0);
  for (const state of states) assert.ok(state === 'sent' || state === 'replaced', `a group member is ${state}`);
  assert.match((await page.locator('#result').textContent()) ?? '', new RegExp(`${done.published!.contributors} contributors`));
  await page.screenshot({ path: join(SHOTS, 'demo-run-done.png'), fullPage: true });
});

test("a refusing owner's page shows the refusal, a consenting owner's the join", async () => {
  // demoPolicy: the owners right after the querier refuse research purposes.
  const [, refusing, , , , joining] = demo.credentials;
  await page.goto(`${dash.url}#/agents/${encodeURIComponent(refusing.webId)}`);
  await page.locator('main p.mono', { hasText: refusing.webId }).waitFor();
  await page.locator('#consent-log').waitFor();
  assert.match((await page.locator('#consent-log').textContent()) ?? '', /refused/);
  await page.screenshot({ path: join(SHOTS, 'demo-agent-refused.png'), fullPage: true });
  await page.goto(`${dash.url}#/agents/${encodeURIComponent(joining.webId)}`);
  await page.locator('main p.mono', { hasText: joining.webId }).waitFor();
  await page.locator('#consent-log').waitFor();
  assert.match((await page.locator('#consent-log').textContent()) ?? '', /joined/);
});
