// The round progress bar of `podagg train`, on a terminal and off one, with a clock the
// test moves: redrawn in place and erased on a terminal; plain lines, one per step, with
// no control character anywhere else; the time left guessed from the previous round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundBar, type BarOutput } from '../cli/round-bar.ts';

function output(isTTY: boolean): BarOutput & { text: string } {
  const out = {
    isTTY,
    text: '',
    write(chunk: string | Uint8Array) {
      out.text += String(chunk);
      return true;
    },
  };
  return out as BarOutput & { text: string };
}

test('off a terminal: one plain line per step, none for a repeat, no control character', () => {
  const out = output(false);
  let now = 0;
  const bar = roundBar(out, () => now);
  bar.show({ round: 1, done: 1, total: 10 });
  now = 2500;
  bar.show({ round: 1, done: 1, total: 10 });
  bar.show({ round: 1, done: 5, total: 10 });
  bar.clear();
  now = 10_000;
  bar.show({ round: 2, done: 1, total: 10 });
  now = 11_000;
  bar.show({ round: 2, done: 10, total: 10 });
  bar.clear();
  assert.doesNotMatch(out.text, /[\u0000-\u0009\u000b-\u001f\u007f]/);
  assert.deepEqual(out.text.split('\n'), [
    'round 1 [##......................] 1/10 steps, 0 s',
    'round 1 [############............] 5/10 steps, 2 s',
    'round 2 [##......................] 1/10 steps, 0 s, ~3 s left',
    'round 2 [########################] 10/10 steps, 1 s, ~2 s left',
    '',
  ]);
});

test('on a terminal: the bar is redrawn in place and erased before the round line', () => {
  const out = output(true);
  let now = 0;
  const bar = roundBar(out, () => now);
  bar.show({ round: 1, done: 3, total: 12 });
  now = 1000;
  bar.show({ round: 1, done: 6, total: 12 });
  bar.clear();
  assert.equal(out.text, '\rround 1 [######..................] 3/12 steps, 0 s\x1b[K\rround 1 [############............] 6/12 steps, 1 s\x1b[K\r\x1b[K');
  assert.ok(!out.text.includes('\n'), 'a newline on a terminal would leave the bar behind');
});
