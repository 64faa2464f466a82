// Follows one state folder's run journal (<state>/events.jsonl) and nothing else in that
// folder: keys/ and runs/ hold private keys and shares, so the dashboard never opens them.
// Polling the size is used instead of fs.watch, which misses appends on some file systems.

import { EventEmitter } from 'node:events';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseEvents, type RunEvent } from './events.ts';

export class JournalTail extends EventEmitter<{ event: [RunEvent] }> {
  readonly file: string;
  readonly events: RunEvent[] = [];
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(stateDir: string, private readonly intervalMs = 200) {
    super();
    this.file = path.join(stateDir, 'events.jsonl');
  }

  /** Reads what is there, then keeps following appends. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads new bytes once; serialised so that two polls never read the same range. */
  poll(): Promise<void> {
    this.reading = this.reading.then(() => this.readNew()).catch(() => undefined);
    return this.reading;
  }

  private async readNew(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return; // no journal yet: no agent has run
    }
    if (size < this.offset) {
      // The journal was replaced: start over.
      this.events.length = 0;
      this.offset = 0;
      this.partial = Buffer.alloc(0);
    }
    if (size === this.offset) return;
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      // Cut at the last newline byte, so a line (or a character) still being written waits.
      const bytes = Buffer.concat([this.partial, buffer.subarray(0, bytesRead)]);
      const cut = bytes.lastIndexOf(0x0a) + 1;
      this.partial = bytes.subarray(cut);
      for (const event of parseEvents(bytes.subarray(0, cut).toString('utf8'))) {
        this.events.push(event);
        this.emit('event', event);
      }
    } finally {
      await handle.close();
    }
  }
}
