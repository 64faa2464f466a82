// Inside the server's thread (see solid-thread.ts): start, say ready, stop when asked.
import { parentPort, workerData } from 'node:worker_threads';
import { startSolidServer, type SolidServerOptions } from './solid-server.ts';

const port = parentPort!;
try {
  const server = await startSolidServer(workerData as SolidServerOptions);
  port.on('message', async () => {
    await server.stop();
    port.postMessage({ stopped: true });
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ error: (error as Error).message });
}
