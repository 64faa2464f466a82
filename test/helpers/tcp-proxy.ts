// A fake for a dropped connection: a TCP proxy in front of the Solid server that passes
// bytes both ways unchanged (WebSocket upgrades included, which the HTTP fault proxy does
// not carry) and can cut the WebSocket connections open through it, as a network would.
// The server runs with the proxy's URL as its base URL.

import net from 'node:net';

export interface TcpProxy {
  url: string;
  /** Destroys every WebSocket connection open through the proxy; returns how many. */
  cutWebSockets(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(port: number, targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const webSockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    open.add(client);
    // A connection is a WebSocket if its first request asks for the upgrade.
    client.once('data', (first: Buffer) => {
      if (/^upgrade:\s*websocket/im.test(first.toString('latin1'))) webSockets.add(client);
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      open.delete(client);
      webSockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${port}/`,
    cutWebSockets: () => {
      const cut = webSockets.size;
      for (const socket of webSockets) socket.destroy();
      return cut;
    },
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
