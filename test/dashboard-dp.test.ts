// A differentially private result in the dashboard, in headless Chromium: the release is
// explained, each scalar shows its 95 % interval and its noise, and the histogram's bars
// carry error bars, one per bin, spanning each bin's interval. The result is a real one,
// released with noise by the core in the simulator and served as its document.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loopbackUrl, parseQuery, serializeQuery, serializeResult } from '../query-vocab/index.ts';
import type { AggregationResult } from '../query-vocab/types.ts';
import { buildScenario, idealModel } from '../agent/sim/scenario.ts';
import { EventLog } from '../agent/solid/events.ts';
import type { Dashboard } from '../dashboard/dashboard.ts';
import { runId } from '../dashboard/run-state.ts';
import { freePorts } from '../harness/ports.ts';
import { SHOTS, openDashboard } from './dashboard-browser.ts';

let server: Server;
let dash: Dashboard;
let closeDashboard: (() => Promise<void>) | undefined;
let page: Page;
let queryUrl: string;
let result: AggregationResult;

before(async () => {
  const port = await freePorts(1);
  queryUrl = loopbackUrl(port, '/queries/dp-steps');
  const resultUrl = loopbackUrl(port, '/results/dp-steps');
  const querier = loopbackUrl(port, '/research/profile/card#me');
  const query = { ...parseQuery(readFileSync(new URL('../examples/queries/dp-steps.ttl', import.meta.url), 'utf8'), queryUrl), querier };
  // The core releases the example's aggregates (each reads the simulator's variable x) with its noise.
  const s = buildScenario({
    population: 40, selectivity: 0.8, seed: 3, crypto: 'plain', model: idealModel(), differentialPrivacy: query.differentialPrivacy,
    params: { depth: 1, fanout: 1, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0, timeouts: { collectMs: 400, syncMs: 150, childMs: 150 } },
    aggregates: query.aggregates.map((a) => ('variable' in a ? { ...a, variable: 'x' } : a)),
    value: (_i, d) => Math.floor(d() * 20_000),
  });
  s.sim.start();
  const outcome = s.sim.run();
  if (outcome?.type !== 'publish') throw new Error(`the simulated run gave no result: ${outcome?.type === 'abort' ? outcome.reason : 'none'}`);
  result = { ...outcome.result, id: `${resultUrl}#result`, query: queryUrl, plan: `${queryUrl}-plan`, generatedBy: querier };
  const docs = new Map([[new URL(queryUrl).pathname, serializeQuery(query)], [new URL(resultUrl).pathname, serializeResult(result)]]);
  const app = express();
  app.get('/{*path}', (req, res) => {
    const body = docs.get(req.path);
    if (body === undefined) res.status(404).send('not found');
    else res.type('text/turtle').send(body);
  });
  server = await new Promise((resolve) => {
    const started = app.listen(port, '127.0.0.1', () => resolve(started));
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'podagg-dashboard-dp-'));
  const log = new EventLog(stateDir);
  log.record({ webId: querier, query: queryUrl, kind: 'published', text: 'published' });
  log.record({ webId: querier, query: queryUrl, kind: 'result', result: result.id, text: 'result' });
  ({ dash, page, close: closeDashboard } = await openDashboard({ port: 0, stateDir }, { width: 1100, height: 900 }));
});

after(async () => {
  await closeDashboard?.();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

test('a differentially private result shows how it was released, each value with its interval and noise, and error bars on its histogram', async () => {
  await page.goto(`${dash.url}#/runs/${runId(queryUrl)}`);
  await page.locator('#privacy').waitFor({ timeout: 15_000 });
  assert.match((await page.locator('#privacy').textContent()) ?? '', /^Differentially private: discrete Gaussian noise, ε 1, δ 0\.000001; each sum carries 3 draws, one per root position; negative counts are published as 0\. Bars and values show 95 % intervals\.$/);
  const [count, mean, histogram] = result.values;
  for (const [kind, v] of [['Count', count], ['Mean', mean]] as const) {
    const shown = page.locator(`[data-aggregate="${kind}"]`);
    assert.ok(v.interval?.lower.kind === 'scalar' && v.interval.upper.kind === 'scalar');
    const text = (await shown.locator('.scalar .interval').textContent()) ?? '';
    const [lo, hi] = text.replace(/^95 % interval /, '').split(' – ').map((x) => Number(x.replaceAll(',', '')));
    assert.ok(Math.abs(lo - v.interval.lower.value) <= Math.abs(v.interval.lower.value) * 1e-3 + 1e-9 && Math.abs(hi - v.interval.upper.value) <= Math.abs(v.interval.upper.value) * 1e-3 + 1e-9, `${kind}: ${text}`);
    assert.match((await shown.locator('.noise').textContent()) ?? '', kind === 'Count' ? /^noise: count σ [\d.,]+ \(sensitivity 1\)$/ : /^noise: sum σ [\d.,]+ \(sensitivity 20,000\), count σ [\d.,]+ \(sensitivity 1\)$/);
  }
  const bars = page.locator('[data-aggregate="Histogram"] svg.bars');
  const marks = bars.locator('.interval');
  assert.ok(histogram.interval?.lower.kind === 'histogram' && histogram.interval.upper.kind === 'histogram');
  assert.equal(await marks.count(), histogram.interval.lower.counts.length);
  for (let i = 0; i < (await marks.count()); i++) {
    const title = (await marks.nth(i).locator('title').textContent()) ?? '';
    assert.match(title, /: 95 % interval [\d,.]+ – [\d,.]+$/);
    // The bar's whisker spans from its lower to its upper bound: the upper end is the higher on screen.
    const [y1, y2] = await marks.nth(i).locator('line').first().evaluate((l) => [Number(l.getAttribute('y1')), Number(l.getAttribute('y2'))]);
    assert.ok(y2 <= y1, `bin ${i}: ${y1} → ${y2}`);
  }
  await page.screenshot({ path: join(SHOTS, 'dp-result.png'), fullPage: true });
});
