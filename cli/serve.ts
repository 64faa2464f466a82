// podagg serve: the web dashboard and its JSON API over a state folder's run journal.

import { existsSync } from 'node:fs';
import { startDashboard } from '../dashboard/dashboard.ts';
import { integer, parse, untilInterrupted, UsageError } from './args.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const usage = `usage: podagg serve [--state DIR] [--credentials FILE] [--port P] [--host H] [--simulations DIR]
  Serves the dashboard (runs, agents, simulations, the vocabulary) and its JSON API at
  http://127.0.0.1:P/ (default port 8080) until Ctrl-C. It reads DIR/events.jsonl only, never
  the keys in DIR (default ${STATE_DEFAULT}). With --credentials it logs
  in as each pod owner to show their owner-only consent policy and log. --simulations names a folder of podagg simulate CSVs.`;

export async function serve(args: string[]): Promise<number> {
  const { values } = parse(args, {
    state: { type: 'string' }, credentials: { type: 'string' }, port: { type: 'string' },
    host: { type: 'string' }, simulations: { type: 'string' },
  });
  if (values.help) return (console.log(usage), 0);
  if (values.credentials && !existsSync(values.credentials)) throw new UsageError(`no credentials file ${values.credentials}`);
  const dashboard = await startDashboard({
    port: integer(values.port, '--port', 8080, 0),
    stateDir: stateDir(values.state),
    credentialsFile: values.credentials,
    simulationsDir: values.simulations,
    host: values.host,
  });
  const interrupted = untilInterrupted();
  console.log(`dashboard  ${dashboard.url}`);
  console.log(`api        ${dashboard.url}api/runs`);
  console.log('running; Ctrl-C to stop');
  await interrupted;
  await dashboard.stop();
  return 0;
}
