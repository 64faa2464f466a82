// Faults: an agent killed right after each protocol step and restarted from its state
// folder (AgentHost kill, then add with the same folder) loses nothing and counts nothing
// twice. One run over 10 pods on a real Community Solid Server: the first agent to take
// each step is killed right there (an agent already down is left alone), so contributor,
// aggregator and querier steps are all crossed in one run, and the result must equal the
// plain answer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../agent/solid/events.ts';
import type { HostedAgent } from '../agent/solid/host.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { freePorts } from '../harness/ports.ts';

let demo: Demo;

before(async () => {
  demo = await startDemo({ pods: 10, port: await freePorts(), collectMs: 15_000 });
});
after(async () => demo?.stop());

interface Step {
  name: string;
  match(e: RunEvent): boolean;
}

const sent = (type: string) => (e: RunEvent) => e.kind === 'sent' && e.messageType === type;
const STEPS: Step[] = [
  { name: 'announced', match: (e) => e.kind === 'announced' },
  { name: 'consent recorded', match: (e) => e.kind === 'consent' && e.accepted === true },
  { name: 'contributed', match: (e) => e.kind === 'contributed' },
  { name: 'share sent', match: sent('Contribution') },
  { name: 'share received', match: (e) => e.kind === 'received' && e.messageType === 'Contribution' },
  { name: 'confirmation sent', match: sent('Confirmation') },
  { name: 'partial sent', match: sent('PartialAggregate') },
  // Killed between reconstructing the result and writing it: the restart writes it.
  { name: 'result reconstructed', match: (e) => e.kind === 'log' && e.text.startsWith('querier: reconstructed') },
];

test('an agent killed right after each protocol step and restarted loses nothing and counts nothing twice', { timeout: 240_000 }, async () => {
  const killed: Array<{ step: string; webId: string }> = [];
  // The instances killed: their last events are left alone, while the restarted agent's
  // count from its first one (it may take a step while add() is still under way).
  const dead = new Set<HostedAgent>();
  const restarts: Promise<void>[] = [];
  const listener = (e: RunEvent) => {
    const hosted = demo.host.agents.get(e.webId);
    if (!hosted || dead.has(hosted)) return;
    const step = STEPS.find((s) => !killed.some((k) => k.step === s.name) && s.match(e));
    if (!step) return;
    killed.push({ step: step.name, webId: e.webId });
    dead.add(hosted);
    // kill() stops the agent synchronously, inside this journal event: nothing after the step runs.
    restarts.push(demo.host.kill(e.webId).then(() => demo.host.add([hosted.credential])));
  };
  demo.host.journal.on('event', listener);
  const o = await demo.publish('mean-steps', { strategy: 'SafeAndPrompt' });
  demo.host.journal.off('event', listener);
  await Promise.all(restarts);
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  assert.ok(o.plain.contributors >= 5, `only ${o.plain.contributors} contributors`);
  assert.equal(o.published?.contributors, o.plain.contributors, 'contributor count');
  assert.deepEqual(o.published?.values.map((v) => v.value), o.plain.values.map((v) => v.value));
  assert.equal(o.published?.completeness, 1);
  assert.deepEqual(killed.map((k) => k.step).sort(), STEPS.map((s) => s.name).sort(), `killed at: ${JSON.stringify(killed)}`);
  assert.ok(new Set(killed.map((k) => k.webId)).size >= 2, 'the kills hit the querier and other agents');
});
