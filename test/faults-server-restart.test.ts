// Faults: the Solid server (file backend) stopped and started again on the same port and
// data folder in the middle of a run, while shares are being posted. The agents must ride
// it out: deliveries retried with backoff, messages that could not be read left for a
// later listing, notification streams reopened, own-pod steps (consent, evaluation)
// retried; the run ends with the exact result.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../agent/solid/events.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { startSolidServer } from '../solid-server/solid-server.ts';
import { freePorts } from '../harness/ports.ts';

let demo: Demo;
let port: number;
let dataDir: string;

before(async () => {
  port = await freePorts();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'podagg-faults-data-'));
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'podagg-faults-restart-'));
  // Leaves close as soon as their zone answered; the window only has to outlast the restart
  // (a file-backed server on a loaded machine has taken 18 s to come back), so that shares
  // read after it are not late.
  demo = await startDemo({ pods: 8, port, dataDir, stateDir, collectMs: 60_000 });
});
after(async () => demo?.stop());

test('the Solid server restarted mid-run: the run completes with the exact result', { timeout: 180_000 }, async () => {
  let restarted: Promise<void> | undefined;
  const journal: RunEvent[] = [];
  const listener = (e: RunEvent) => {
    journal.push(e);
    if (restarted || e.kind !== 'received' || e.messageType !== 'Contribution') return;
    // The first share has arrived; the others are on their way.
    restarted = (async () => {
      await demo.fleet.servers[0].stop();
      // demo.stop() stops the fleet's servers: it must stop the new one.
      demo.fleet.servers[0] = await startSolidServer({ port, dataDir });
    })();
  };
  demo.host.journal.on('event', listener);
  const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
  demo.host.journal.off('event', listener);
  assert.ok(restarted, 'no share was received: the server was not restarted');
  await restarted;
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  assert.ok(o.plain.contributors >= 3);
  assert.equal(o.published?.contributors, o.plain.contributors, 'contributor count');
  assert.deepEqual(o.published?.values.map((v) => v.value), o.plain.values.map((v) => v.value));
  assert.ok(!journal.some((e) => e.kind === 'failed'), 'no peer was given up on');
  assert.ok(!journal.some((e) => e.kind === 'log' && e.text.startsWith('internal error')), 'no agent crashed');
});
