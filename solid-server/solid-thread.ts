// The embedded server on a thread of its own: the agents of a demo or a test run on the
// main thread, so the server answering them gets the machine's second core rather than
// taking turns with them on one event loop.

import { Worker } from 'node:worker_threads';
import type { SolidServer, SolidServerOptions } from './solid-server.ts';

type Reply = { ready: true } | { error: string } | { stopped: true };

export function startSolidServerThread(options: SolidServerOptions): Promise<SolidServer> {
  // Workers do not inherit tsx's loader: register it before importing the TypeScript entry.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./solid-thread-entry.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`, {
    eval: true,
    workerData: options,
  });
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the Solid server thread exited (code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (reply: Reply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(reply);
      });
    });
  return next().then((reply) => {
    if ('error' in reply) {
      void worker.terminate();
      throw new Error(reply.error);
    }
    return {
      baseUrl: options.baseUrl ?? `http://localhost:${options.port}/`,
      port: options.port,
      dataDir: options.dataDir,
      stop: async () => {
        const stopped = next();
        worker.postMessage('stop');
        await stopped;
        await worker.terminate();
      },
    };
  });
}
