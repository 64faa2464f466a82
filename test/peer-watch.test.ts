// The failure detector's loop over Solid presence documents: a peer that beat in a run and
// stopped is taken for dead once its presence is older than the run's stale period; a peer
// that has not beaten since the run began (it may not have heard of the query yet, behind a
// loaded server) gets the run's grace first. On an injected clock (node:test's mock timers), and with a pod server
// answering the presence HEADs in code: a document exactly N seconds old at a given instant
// is what a real server cannot be made to show on demand.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { PeerWatch } from '../agent/solid/peer-watch.ts';
import { PresenceMonitor } from '../agent/solid/presence.ts';
import { presenceOfInbox } from '../agent/solid/layout.ts';

const BEAT = 1000;
const STALE = 5000;
const GRACE = 30_000;
const INBOX = { silent: 'http://pods.test/silent/podagg/inbox/', stopped: 'http://pods.test/stopped/podagg/inbox/' };

/** Runs the watch on the injected clock until the silent peer is found dead; when each peer was found. */
async function watch(runStaleMs: number): Promise<Map<string, { at: number; reason: string }>> {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  try {
    // The stopped peer beat 2 s into the run, then no more; the silent one never wrote a presence document.
    const lastBeat = { [presenceOfInbox(INBOX.stopped)]: 2000 };
    const server = async (input: string | URL | Request) => {
      const modified = lastBeat[String(input)];
      if (modified === undefined) return new Response(null, { status: 404 });
      return new Response(null, { headers: { date: new Date(Date.now()).toUTCString(), 'last-modified': new Date(modified).toUTCString() } });
    };
    const monitor = new PresenceMonitor({ beatMs: BEAT, staleMs: STALE }, server as typeof fetch);
    const dead = new Map<string, { at: number; reason: string }>();
    const run = {
      query: 'q',
      graceMs: GRACE,
      staleMs: runStaleMs,
      watched: () => [
        { peer: 'silent', inbox: INBOX.silent },
        { peer: 'stopped', inbox: INBOX.stopped },
      ],
    };
    const peerWatch = new PeerWatch(monitor, () => [run], async (_query, peer, reason) => {
      if (!dead.has(peer)) dead.set(peer, { at: Date.now(), reason });
    });
    for (let t = 0; t < GRACE + 3 * BEAT && !dead.has('silent'); t += BEAT) {
      mock.timers.tick(BEAT);
      // Let the check's HEADs answer before the next beat.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    }
    peerWatch.stop();
    return dead;
  } finally {
    mock.timers.reset();
  }
}

test('a peer that beat in the run and stopped is dead once stale; one that never beat in it gets the grace', async () => {
  const dead = await watch(STALE);
  const stopped = dead.get('stopped');
  const silent = dead.get('silent');
  assert.ok(stopped, 'the peer that stopped beating was found dead');
  // Last beat at 2 s, stale after 5 s more (HTTP dates have whole seconds): found within a beat or two of 7 s.
  assert.ok(stopped.at >= 2000 + STALE && stopped.at <= 2000 + STALE + 2 * BEAT, `found at ${stopped.at} ms`);
  assert.match(stopped.reason, /its presence is \d+ s old/);
  assert.ok(silent, 'the peer that never beat was found dead after the grace');
  assert.ok(silent.at >= GRACE && silent.at <= GRACE + 2 * BEAT, `found at ${silent.at} ms`);
  assert.equal(silent.reason, 'it has no presence document');
});

test("a run's longer stale period is what a stopped peer's last beat is held against", async () => {
  const longer = 3 * STALE;
  const stopped = (await watch(longer)).get('stopped');
  assert.ok(stopped, 'the peer that stopped beating was found dead');
  assert.ok(stopped.at >= 2000 + longer && stopped.at <= 2000 + longer + 2 * BEAT, `found at ${stopped.at} ms`);
});
