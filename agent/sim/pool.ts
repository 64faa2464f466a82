// Runs many experiments on every core: one worker thread per core, each taking the next
// configuration as soon as it is free. Rows come back in the configurations' order, so a
// sweep's CSV does not depend on which worker was faster.

import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExperimentConfig, ExperimentRow } from './experiment.ts';

export interface PoolOptions {
  /** Default: one per core. */
  workers?: number;
  onDone?(done: number, total: number, row: ExperimentRow): void;
}

// Workers do not inherit tsx's loader: register it before importing the TypeScript entry.
function spawn(): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./pool-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`, { eval: true });
}

export async function runPool(configs: ExperimentConfig[], o: PoolOptions = {}): Promise<ExperimentRow[]> {
  const rows: ExperimentRow[] = new Array(configs.length);
  let next = 0;
  let done = 0;
  const n = Math.max(1, Math.min(o.workers ?? cpus().length, configs.length));
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = spawn();
        const feed = () => {
          if (next >= configs.length) return void worker.terminate().then(() => resolve());
          const i = next++;
          worker.once('message', (row: ExperimentRow) => {
            rows[i] = row;
            o.onDone?.(++done, configs.length, row);
            feed();
          });
          worker.postMessage(configs[i]);
        };
        worker.once('error', reject);
        feed();
      }),
    ),
  );
  return rows;
}
