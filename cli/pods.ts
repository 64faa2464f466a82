// podagg pods up: start embedded Solid servers with N pods and write their credentials.

import { startFleet } from '../solid-server/pods.ts';
import { SERVER_KINDS, type ServerKind } from '../solid-server/solid-server.ts';
import { writeCredentials } from '../agent/solid/credentials.ts';
import { UsageError, integer, parse, progress, untilInterrupted } from './args.ts';

export const usage = `usage: podagg pods up --pods N [--port P] [--servers S] [--kind wac|acp|subdomains|nss] [--data DIR] [--credentials FILE]
  Starts S embedded Community Solid Servers on ports P, P+1, … (default $PODAGG_PORT, else
  3000) with N pods spread over them, writes the credentials file (default ./credentials.json,
  or DIR/credentials.json) and runs until Ctrl-C. With --data the pods live on disk in DIR and a second run reuses them.
  --kind picks CSS's preset: wac (default; Web Access Control), acp (Access Control Policies,
  pods on disk: needs --data), subdomains (WAC, each pod at http://name.localhost:P/, in memory);
  or nss: the Node Solid Server 5.7.7 (a development dependency) as a child process, WAC, each
  pod at http://name.localhost:P/, on disk (in DIR, else a temporary folder); its agents log in
  with a refresh token, as after podagg login.`;

export async function podsUp(args: string[]): Promise<number> {
  const { values } = parse(args, {
    pods: { type: 'string' }, port: { type: 'string' }, servers: { type: 'string' }, kind: { type: 'string' },
    data: { type: 'string' }, credentials: { type: 'string' },
  });
  if (values.help) return (console.log(usage), 0);
  const pods = integer(values.pods, '--pods', 5);
  const fleet = await startFleet({
    pods,
    // The environment gives a free port to a script that spells none (the README's session, which a test runs).
    port: integer(values.port ?? (process.env.PODAGG_PORT || undefined), values.port === undefined ? 'PODAGG_PORT' : '--port', 3000),
    servers: integer(values.servers, '--servers', 1),
    kind: serverKind(values.kind, values.data),
    dataDir: values.data,
    onProgress: progress('creating pods'),
  });
  const interrupted = untilInterrupted();
  const file = values.credentials ?? (values.data ? `${values.data}/credentials.json` : 'credentials.json');
  await writeCredentials(file, fleet.credentials);
  for (const server of fleet.servers) console.log(`server     ${server.baseUrl}${server.dataDir ? `  (data in ${server.dataDir})` : '  (in memory)'}`);
  console.log(`pods       ${fleet.credentials.length}, first ${fleet.credentials[0].podUrl}`);
  console.log(`credentials ${file}`);
  console.log('running; Ctrl-C to stop');
  await interrupted;
  await fleet.stop();
  return 0;
}

export function serverKind(value: string | undefined, dataDir: string | undefined): ServerKind {
  const kind = (value ?? 'wac') as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${SERVER_KINDS.join(', ')}, not ${value}`);
  if (kind === 'acp' && dataDir === undefined) throw new UsageError('--kind acp keeps the pods on disk: give --data DIR');
  if (kind === 'subdomains' && dataDir !== undefined) throw new UsageError('--kind subdomains keeps the pods in memory: leave out --data');
  return kind;
}
