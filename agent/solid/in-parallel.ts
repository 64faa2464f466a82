// Runs an async step over many items, a few at a time: enough to keep a server busy while
// one request waits on the network, without a burst that queues hundreds at once.

/** Calls `step` on every item, at most `limit` at once, in order of start; rejects on the first failure. */
export async function inParallel<T>(items: readonly T[], limit: number, step: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await step(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
