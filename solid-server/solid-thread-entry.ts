// Inside the server's thread (see solid-thread.ts): start, say ready, stop when asked.
import { parentPort, workerData } from 'node:worker_threads';
import { resolveLocalhostNames } from '../agent/solid/localhost-names.ts';
import { startSolidServer, type SolidServerOptions } from './solid-server.ts';

// CSS throws an HttpError for every missing auxiliary resource it looks up (each request
// checks the .acl of every container above it): without stack traces they cost far less.
Error.stackTraceLimit = 0;
// A server with a pod per subdomain looks up WebIDs on those names.
resolveLocalhostNames();
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
