// Federated training over real pods: two rounds of gradient descent through VectorSum
// queries give the same model as the same descent run centrally on the pooled data.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, type Demo } from '../demo/demo.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { train } from '../examples/federated.ts';
import { freePorts } from '../harness/ports.ts';

let demo: Demo;
before(async () => {
  demo = await startDemo({ pods: 10, port: await freePorts(), collectMs: LONG_COLLECT_MS });
});
after(async () => demo?.stop());

test('the federated model equals the centrally trained one within the fixed-point precision', async () => {
  const t = await train(demo, 2);
  assert.equal(t.federated.length, 2);
  for (const [i, m] of t.federated.entries()) {
    assert.ok(Math.abs(m.w0 - t.central[i].w0) < 1e-3, `round ${i + 1}: w0 ${m.w0} vs ${t.central[i].w0}`);
    assert.ok(Math.abs(m.w1 - t.central[i].w1) < 1e-3, `round ${i + 1}: w1 ${m.w1} vs ${t.central[i].w1}`);
    assert.ok(t.contributors[i] >= 3);
  }
  // The model moved: the rounds did real work.
  assert.notEqual(t.federated[1].w0, t.federated[0].w0);
});
