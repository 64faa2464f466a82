// podagg query publish / query status.

import { readFile } from 'node:fs/promises';
import { parsePlan, parseQuery, parseResult, documentOf } from '../query-vocab/index.ts';
import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { readAgentLabels } from '../agent/solid/agent-labels.ts';
import { AgentHost } from '../agent/solid/host.ts';
import { getTurtle } from '../agent/solid/pod.ts';
import { publishQuery } from '../agent/solid/publish.ts';
import { countEvents } from '../agent/solid/run-counts.ts';
import { JournalTail } from '../agent/solid/journal-tail.ts';
import { UsageError, integer, parse } from './args.ts';
import { printEvent } from './journal-print.ts';
import { formatResult } from './result-format.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const publishUsage = `usage: podagg query publish QUERY.ttl --credentials FILE --webid WEBID [--population URL] [--state DIR]
                           [--min-contributors N] [--collect-ms N] [--json]
  Validates the query, draws its nonce, plans it (the planner fills what the query does not
  fix), writes the query and plan documents to the querier's pod, runs the querier's agent
  (state in DIR, default ${STATE_DEFAULT}), announces the query, shows progress and prints
  the published result. The querier's WebID must not run in another 'podagg agent run' at
  the same time (run the others with 'agent run --all --except WEBID').
  --min-contributors replaces the query's pa:minContributors (the examples ask for 20).`;

export async function queryPublish(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, population: { type: 'string' }, state: { type: 'string' },
    'min-contributors': { type: 'string' }, 'collect-ms': { type: 'string' }, json: { type: 'boolean' },
  }, { positionals: ['QUERY.ttl'], required: ['credentials', 'webid'] });
  if (values.help) return (console.log(publishUsage), 0);
  const file = positionals[0];
  const collectMs = values['collect-ms'] === undefined ? undefined : integer(values['collect-ms'], '--collect-ms', 0, 100);
  const minContributors = values['min-contributors'] === undefined ? undefined : integer(values['min-contributors'], '--min-contributors', 0);
  const turtle = await readFile(file, 'utf8').catch(() => {
    throw new Error(`cannot read query file ${file}`);
  });
  const [credential] = selectCredentials(await readCredentials(values.credentials!), values.webid, false);
  const state = stateDir(values.state);
  const host = new AgentHost({ stateDir: state });
  try {
    await host.add([credential]);
    const labels = values.json ? undefined : await readAgentLabels(globalThis.fetch, [credential]);
    const { session, agent } = host.get(credential.webId);
    const published = await publishQuery({
      session, podUrl: credential.podUrl, turtle, population: values.population, peers: host.peers,
      overrides: minContributors === undefined ? undefined : { minContributors },
      minTimeouts: collectMs ? { collectMs } : undefined,
    });
    const { query, plan } = published;
    if (!values.json) {
      console.log(`query   ${query.id}\nplan    ${plan.id}\n        ${published.explanation}`);
    }
    const tail = new JournalTail(state);
    const shown = printEvent(values.json ?? false, false, labels);
    const end = new Promise<RunEvent>((resolve) => {
      const seen: RunEvent[] = [];
      tail.on('event', (e) => {
        if (e.query !== query.id) return;
        seen.push(e);
        if (e.webId === credential.webId) shown(e);
        else if (!values.json && process.stderr.isTTY) {
          const c = countEvents(seen);
          process.stderr.write(`\r${c.accepted} consented, ${c.refused} refused, ${c.contributed} contributed, ${c.rejected} rejected`);
        }
        if (e.webId === credential.webId && (e.kind === 'result' || e.kind === 'abort')) resolve(e);
      });
    });
    await tail.start();
    await agent.startQuery(query.id, plan.id);
    const outcome = await end;
    tail.stop();
    if (process.stderr.isTTY && !values.json) process.stderr.write('\n');
    if (outcome.kind === 'abort') {
      console.error(`podagg: the run ended without a result: ${outcome.reason}`);
      return 1;
    }
    const url = documentOf(outcome.result!);
    const result = parseResult(await getTurtle(session.fetch, url), url);
    if (values.json) console.log(JSON.stringify({ query: query.id, plan: plan.id, result }));
    else console.log(formatResult(query, result));
    return 0;
  } finally {
    await host.stop();
  }
}

export const statusUsage = `usage: podagg query status QUERY_URL [--state DIR] [--json]
  Shows where a run stands: its plan, what the agents of this machine's journal did (the
  journal of DIR, default ${STATE_DEFAULT}), and its result once published.`;

export async function queryStatus(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { state: { type: 'string' }, json: { type: 'boolean' } }, { positionals: ['QUERY_URL'] });
  if (values.help) return (console.log(statusUsage), 0);
  const url = positionals[0];
  if (!URL.canParse(url)) throw new UsageError(`"${url}" is not a URL`);
  const query = parseQuery(await getTurtle(globalThis.fetch, url), url);
  const plan = query.plan ? parsePlan(await getTurtle(globalThis.fetch, query.plan), query.plan) : undefined;
  const tail = new JournalTail(stateDir(values.state));
  await tail.poll();
  const events = tail.events.filter((e) => e.query === query.id);
  const end = events.find((e) => e.kind === 'result' || e.kind === 'abort');
  const counts = countEvents(events);
  const state = end?.kind === 'result' ? 'done' : end?.kind === 'abort' ? `aborted: ${end.reason}` : events.length ? 'running' : 'no activity in this journal';
  if (values.json) {
    console.log(JSON.stringify({ query: query.id, plan: plan?.id, state, counts, result: end?.result }));
    return 0;
  }
  console.log(`query    ${query.title} (${query.id})`);
  if (plan) console.log(`plan     ${plan.params.strategy}, depth ${plan.params.depth}, fanout ${plan.params.fanout}, groups of ${plan.params.groupSize}, ${Object.keys(plan.zones).length} members`);
  console.log(`state    ${state}`);
  console.log(`agents   ${counts.accepted} consented, ${counts.refused} refused, ${counts.contributed} contributed, ${counts.rejected} messages rejected, ${counts.failed} failed sends`);
  if (end?.result) {
    const resultUrl = documentOf(end.result);
    console.log(formatResult(query, parseResult(await getTurtle(globalThis.fetch, resultUrl), resultUrl)));
  }
  return 0;
}
