// The progress bar of `podagg train`: one per round, on stderr, while the round's two
// queries run. On a terminal it is one line redrawn in place and erased when the round's
// own line is printed; anywhere else (a pipe, a log file) each step is a plain line of its
// own, with no control character in it. On a terminal the time shown ticks every second
// between steps. Rounds take alike, so the time left is guessed from the previous round's
// length.

import type { RoundProgress } from '../agent/solid/training-run.ts';

const WIDTH = 24;

export interface RoundBar {
  show(progress: RoundProgress): void;
  /** Ends the round's bar: erased on a terminal, before the round's line is printed. */
  clear(): void;
}

export type BarOutput = Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;

export function roundBar(out: BarOutput = process.stderr, now: () => number = Date.now): RoundBar {
  let started = 0;
  let previousMs: number | undefined;
  let last: RoundProgress | undefined;
  let drawn = false;
  let ticking: NodeJS.Timeout | undefined;
  const line = ({ round, done, total }: RoundProgress) => {
    const elapsedMs = now() - started;
    const filled = total > 0 ? Math.round((Math.min(done, total) / total) * WIDTH) : 0;
    const left = previousMs !== undefined && elapsedMs < previousMs ? `, ~${Math.ceil((previousMs - elapsedMs) / 1000)} s left` : '';
    return `round ${round} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} steps, ${Math.floor(elapsedMs / 1000)} s${left}`;
  };
  const draw = () => {
    if (!last) return;
    out.write(`\r${line(last)}\x1b[K`);
    drawn = true;
  };
  return {
    show(progress) {
      if (!last) started = now();
      // Off a terminal, a line per step: a redraw with only the time changed says nothing new.
      const same = last !== undefined && last.done === progress.done && last.total === progress.total;
      last = progress;
      if (!out.isTTY) {
        if (!same) out.write(`${line(progress)}\n`);
        return;
      }
      draw();
      ticking ??= setInterval(draw, 1000).unref();
    },
    clear() {
      if (last) previousMs = now() - started;
      last = undefined;
      clearInterval(ticking);
      ticking = undefined;
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}
