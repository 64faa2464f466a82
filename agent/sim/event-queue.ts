// The discrete-event queue: a binary min-heap on (time, insertion order), so events at
// the same time come out in the order they were scheduled and a run is deterministic.
// Parallel arrays and sifting by moving a hole: a pop allocates nothing, which matters at
// millions of events.

export class EventQueue<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;
  /** The time of the event the last pop() returned. */
  poppedTime = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    const seq = this.seq++;
    let i = this.items.length;
    this.times.push(time);
    this.seqs.push(seq);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(time < this.times[p] || (time === this.times[p] && seq < this.seqs[p]))) break;
      this.place(i, p);
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.items[i] = item;
  }

  /** The time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.items.length === 0 ? Infinity : this.times[0];
  }

  /** The earliest event (its time in poppedTime), or undefined when empty. */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const out = this.items[0];
    this.poppedTime = this.times[0];
    const time = this.times.pop() as number;
    const seq = this.seqs.pop() as number;
    const item = this.items.pop() as T;
    if (n > 1) this.sink(time, seq, item, n - 1);
    return out;
  }

  /** Moves the entry at `from` to `to`. */
  private place(to: number, from: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.items[to] = this.items[from];
  }

  /** Puts (time, seq, item) at the root of a heap of n entries and sifts it down. */
  private sink(time: number, seq: number, item: T, n: number): void {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(r, l) ? r : l;
      if (!(this.times[c] < time || (this.times[c] === time && this.seqs[c] < seq))) break;
      this.place(i, c);
      i = c;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.items[i] = item;
  }

  private less(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && this.seqs[a] < this.seqs[b]);
  }
}
