// Free loopback ports for the servers a test or a benchmark starts.

import net from 'node:net';

function tryPort(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** A port P such that P … P+count−1 are all free. */
export async function freePorts(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await tryPort(base + i);
    if (ok) return base;
  }
  throw new Error('no free loopback ports');
}
