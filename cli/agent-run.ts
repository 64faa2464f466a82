// podagg agent run: the agents of one WebID (or all of a credentials file) until Ctrl-C.

import { readCredentials, selectCredentials, type Credential } from '../agent/solid/credentials.ts';
import { readAgentLabels } from '../agent/solid/agent-labels.ts';
import { AgentHost } from '../agent/solid/host.ts';
import { answerParent } from '../agent/solid/host-control.ts';
import { integer, parse, progress, untilInterrupted } from './args.ts';
import { printEvent } from './journal-print.ts';

export const usage = `usage: podagg agent run --credentials FILE (--webid WEBID | --all [--slice I/N]) [--state DIR] [--poll-ms N]
                       [--isolated] [--json] [--verbose]
  Logs in, provisions if needed, and runs the agent: it watches the inbox, checks each query
  against the owner's consent policy, contributes sealed shares, aggregates, and publishes
  results when it is the querier. State (keys, runs) lives in DIR (default .podagg); a killed
  agent restarted on the same DIR resumes without losing or double-counting anything.
  --slice I/N runs only the I-th of N slices of the file (every N-th WebID from the I-th,
  counting from 0), so N processes on the same DIR run every agent between them.
  --isolated gives each agent its own cache of peers' profiles and failure detector, as on a
  machine of its own, and has it name itself on each request (x-podagg-agent) so that a
  server's request log can count each agent's requests (benchmarks).
  --json prints the journal as JSON lines; --verbose also prints every message sent and received.`;

export async function agentRun(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, state: { type: 'string' },
    'poll-ms': { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, slice: { type: 'string' }, isolated: { type: 'boolean' },
  }, { required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const pollMs = integer(values['poll-ms'], '--poll-ms', 500);
  if (values.slice !== undefined && !values.all) throw new Error('--slice goes with --all');
  const chosen = sliceOf(selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false), values.slice);
  const host = new AgentHost({ stateDir: values.state ?? '.podagg', pollMs, isolated: values.isolated, onProgress: progress('starting agents') });
  const labels = values.json ? new Map<string, string>() : await readAgentLabels(globalThis.fetch, chosen);
  host.journal.on('event', printEvent(values.json ?? false, values.verbose ?? false, labels));
  await host.add(chosen);
  const interrupted = untilInterrupted();
  if (!values.json) console.log(`${chosen.length} agent${chosen.length > 1 ? 's' : ''} running; Ctrl-C to stop`);
  answerParent(host, chosen.length);
  await interrupted;
  await host.stop();
  process.disconnect?.();
  return 0;
}

/** The I-th of N slices: every N-th credential from the I-th. */
function sliceOf(list: Credential[], slice: string | undefined): Credential[] {
  if (slice === undefined) return list;
  const match = /^(\d+)\/(\d+)$/.exec(slice);
  const [i, n] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(n >= 1 && i < n)) throw new Error(`--slice must be I/N with 0 ≤ I < N, not ${slice}`);
  return list.filter((_, index) => index % n === i);
}
