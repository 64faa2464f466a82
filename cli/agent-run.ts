// podagg agent run: the agents of one WebID (or all of a credentials file) until Ctrl-C.

import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { AgentHost } from '../agent/solid/host.ts';
import { integer, parse, progress, untilInterrupted } from './args.ts';
import { printEvent } from './journal-print.ts';

export const usage = `usage: podagg agent run --credentials FILE (--webid WEBID | --all) [--state DIR] [--poll-ms N] [--json] [--verbose]
  Logs in, provisions if needed, and runs the agent: it watches the inbox, checks each query
  against the owner's consent policy, contributes sealed shares, aggregates, and publishes
  results when it is the querier. State (keys, runs) lives in DIR (default .podagg); a killed
  agent restarted on the same DIR resumes without losing or double-counting anything.
  --json prints the journal as JSON lines; --verbose also prints every message sent and received.`;

export async function agentRun(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, state: { type: 'string' },
    'poll-ms': { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' },
  }, { required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const pollMs = integer(values['poll-ms'], '--poll-ms', 500);
  const chosen = selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false);
  const host = new AgentHost({ stateDir: values.state ?? '.podagg', pollMs, onProgress: progress('starting agents') });
  host.journal.on('event', printEvent(values.json ?? false, values.verbose ?? false));
  await host.add(chosen);
  const interrupted = untilInterrupted();
  if (!values.json) console.log(`${chosen.length} agent${chosen.length > 1 ? 's' : ''} running; Ctrl-C to stop`);
  await interrupted;
  await host.stop();
  return 0;
}
