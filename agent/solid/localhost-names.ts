// Names under .localhost are the loopback host (RFC 6761, section 6.3), but the system
// resolver here answers them only for `localhost` itself. A server with a pod per subdomain
// (http://alice.localhost:3000/) is then reachable without a line in /etc/hosts.

import dns from 'node:dns';

let installed = false;

export function resolveLocalhostNames(): void {
  if (installed) return;
  installed = true;
  const lookup = dns.lookup;
  const patched = function (this: unknown, hostname: string, ...rest: unknown[]) {
    const name = /\.localhost\.?$/i.test(hostname) ? 'localhost' : hostname;
    return (lookup as (...args: unknown[]) => unknown).call(this, name, ...rest);
  };
  dns.lookup = patched as typeof dns.lookup;
}
