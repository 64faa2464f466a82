// One task at a time, in order: everything an agent does to its runs goes through one
// queue, so the core sees one event at a time. A closed queue runs nothing more, as if its
// process had died; a task that throws is reported and does not stop the queue.

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => void | Promise<void>): Promise<void> {
    const next = this.tail.then(() => (this.closed ? undefined : task())).catch(this.onError);
    this.tail = next;
    return next;
  }

  /** Stops taking tasks; resolves once the one running has finished. */
  close(): Promise<void> {
    this.closed = true;
    return this.tail;
  }

  /** Resolves when every task queued so far has run. */
  drained(): Promise<void> {
    return this.tail;
  }
}
