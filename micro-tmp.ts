import { startFleet } from './solid-server/pods.ts';
import { freePorts } from './harness/ports.ts';
import { login } from './agent/solid/session.ts';
const fleet = await startFleet({ pods: 2, port: await freePorts(1) });
const c = fleet.credentials[0];
const s = await login(c);
const f = s.fetch;
const pod = c.podUrl;
const body = '<#m> a <http://example.org/M>; <http://example.org/p> "' + 'x'.repeat(1500) + '".';
await f(pod + 'bench/r.ttl', { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body });
await f(pod + 'bench/r.bin', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
const N = Number(process.env.N ?? 200);
async function time(name: string, fn: (i: number) => Promise<Response>) {
  for (let i = 0; i < 10; i++) await (await fn(i)).arrayBuffer();
  const cpu0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) { const r = await fn(i); await r.arrayBuffer(); if (!r.ok) throw new Error(name + ' ' + r.status); }
  const dt = (performance.now() - t0) / N; const cpu = process.cpuUsage(cpu0);
  console.log(name.padEnd(40), dt.toFixed(2), 'ms wall/req', ((cpu.user + cpu.system) / 1000 / N).toFixed(2), 'ms cpu/req');
}
await time('GET ttl accept text/turtle', () => f(pod + 'bench/r.ttl', { headers: { accept: 'text/turtle' } }));
await time('GET ttl accept */*', () => f(pod + 'bench/r.ttl', { headers: { accept: '*/*' } }));
await time('GET ttl no accept', () => f(pod + 'bench/r.ttl'));
await time('GET bin accept */*', () => f(pod + 'bench/r.bin', { headers: { accept: '*/*' } }));
await time('GET bin accept octet', () => f(pod + 'bench/r.bin', { headers: { accept: 'application/octet-stream' } }));
await time('HEAD ttl', () => f(pod + 'bench/r.ttl', { method: 'HEAD' }));
await time('GET ttl anon (401)', () => fetch(pod + 'bench/r.ttl').then(r => new Response(null, { status: 200 })));
await time('GET profile anon', () => fetch(c.webId, { headers: { accept: 'text/turtle' } }));
await time('GET profile auth', () => f(c.webId, { headers: { accept: 'text/turtle' } }));
await s.logout();
await fleet.stop();
