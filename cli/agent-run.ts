// podagg agent run: the agents of one WebID (or all of a credentials file) until Ctrl-C.

import { setTimeout } from 'node:timers/promises';
import { readCredentials, selectCredentials, type Credential } from '../agent/solid/credentials.ts';
import { readAgentLabels } from '../agent/solid/agent-labels.ts';
import { AgentHost } from '../agent/solid/host.ts';
import { answerParent } from '../agent/solid/host-control.ts';
import { NOTIFICATION_PREFERENCES, type NotificationPreference } from '../agent/solid/inbox-watch.ts';
import { UsageError, integer, parse, progress, untilInterrupted } from './args.ts';
import { printEvent } from './journal-print.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const usage = `usage: podagg agent run --credentials FILE (--webid WEBID | --all [--except WEBID,…] [--slice I/N]) [--state DIR] [--poll-ms N]
                       [--notifications auto|streaming|websocket|polling] [--isolated] [--json] [--verbose]
  Logs in, provisions if needed, and runs the agent: it watches the inbox, checks each query
  against the owner's consent policy, contributes sealed shares, aggregates, and publishes
  results when it is the querier. State (keys, runs) lives in DIR (default ${STATE_DEFAULT});
  a killed agent restarted on the same DIR resumes without losing or double-counting anything.
  --except leaves out these WebIDs, e.g. the querier's while 'podagg query publish' runs it.
  --slice I/N runs only the I-th of N slices of the file (every N-th WebID from the I-th,
  counting from 0), so N processes on the same DIR run every agent between them.
  --notifications: how each agent learns of new messages (each prints the one it uses, and
  why it passed over others, when it starts). auto (default): the server's streaming HTTP
  channel where the inbox advertises one, else a WebSocketChannel2023 subscription found
  through the storage description (Solid Notifications Protocol), else listing the inbox
  every --poll-ms (default 500); streaming or websocket: that channel or else polling;
  polling: no channel. Beside a channel the inbox is still listed every 10 s.
  --isolated gives each agent its own cache of peers' profiles and failure detector, as on a
  machine of its own, and has it name itself on each request (x-podagg-agent) so that a
  server's request log can count each agent's requests (benchmarks).
  --json prints the journal as JSON lines; --verbose also prints every message sent and received.`;

export async function agentRun(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, state: { type: 'string' },
    'poll-ms': { type: 'string' }, notifications: { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, except: { type: 'string' }, slice: { type: 'string' }, isolated: { type: 'boolean' },
  }, { required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const pollMs = integer(values['poll-ms'], '--poll-ms', 500);
  const notifications = preference(values.notifications);
  for (const flag of ['slice', 'except'] as const) if (values[flag] !== undefined && !values.all) throw new UsageError(`--${flag} goes with --all`);
  const except = new Set(values.except?.split(',').filter(Boolean));
  const all = selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false);
  // A mistyped --except would silently run the querier's agent twice.
  for (const webId of except) if (!all.some((c) => c.webId === webId)) throw new Error(`--except: no credentials for ${webId} in the credentials file`);
  const chosen = sliceOf(all.filter((c) => !except.has(c.webId)), values.slice);
  const host = new AgentHost({ stateDir: stateDir(values.state), pollMs, notifications, isolated: values.isolated, onProgress: progress('starting agents') });
  const labels = values.json ? new Map<string, string>() : await readAgentLabels(globalThis.fetch, chosen);
  host.journal.on('event', printEvent(values.json ?? false, values.verbose ?? false, labels));
  await host.add(chosen);
  const interrupted = untilInterrupted();
  if (!values.json) console.log(`${chosen.length} agent${chosen.length > 1 ? 's' : ''} running; Ctrl-C to stop`);
  answerParent(host, chosen.length);
  await interrupted;
  const stopped = await Promise.race([host.stop().then(() => true), setTimeout(STOP_GRACE_MS, false, { ref: false })]);
  process.disconnect?.();
  if (!stopped) {
    // Each step saved its run's state before acting, so what is cut short resumes at the next start.
    console.error(`stopped after ${STOP_GRACE_MS / 1000} s with requests still under way; their runs resume at the next start`);
    process.exit(0);
  }
  return 0;
}

/** How long Ctrl-C waits for requests under way: a loaded server may hold them for minutes. */
const STOP_GRACE_MS = 10_000;

function preference(value: string | undefined): NotificationPreference {
  const known = NOTIFICATION_PREFERENCES.find((p) => p === (value ?? 'auto'));
  if (!known) throw new UsageError(`--notifications must be ${NOTIFICATION_PREFERENCES.slice(0, -1).join(', ')} or ${NOTIFICATION_PREFERENCES.at(-1)}, not "${value}"`);
  return known;
}

/** The I-th of N slices: every N-th credential from the I-th. */
function sliceOf(list: Credential[], slice: string | undefined): Credential[] {
  if (slice === undefined) return list;
  const match = /^(\d+)\/(\d+)$/.exec(slice);
  const [i, n] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(n >= 1 && i < n)) throw new Error(`--slice must be I/N with 0 ≤ I < N, not ${slice}`);
  return list.filter((_, index) => index % n === i);
}
