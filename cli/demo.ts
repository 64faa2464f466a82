// podagg demo (npm start): the main job on the embedded default.

import { EXAMPLES, startDemo, type DemoOutcome } from '../demo/demo.ts';
import { startDashboard } from '../dashboard/dashboard.ts';
import { integer, parse, progress, untilInterrupted, UsageError } from './args.ts';
import { formatValue } from './result-format.ts';
import { printEvent } from './journal-print.ts';
import { agentLabel } from '../query-vocab/index.ts';

export const usage = `usage: podagg demo [--pods N] [--port P] [--servers S] [--data DIR] [--state DIR]
                   [--queries NAME,…] [--dashboard-port P] [--exit] [--json] [--verbose]
  Starts S embedded Solid servers (default 1, ports P… default 3000) with N pods (default 50)
  filled with seeded synthetic data (steps, bank operations, age, region), provisions and
  starts one agent per pod, sets consent policies (20 % of owners refuse research), builds
  the population, publishes the example queries (default: ${EXAMPLES.join(', ')}) and prints
  each result beside the plain answer computed directly from the data.
  Then it serves the dashboard (default port 8080) until Ctrl-C; --exit stops after the
  queries (exit code 1 if any result differs from its plain answer); --json prints the
  outcomes as JSON. --data DIR keeps the pods on disk for 'podagg pods up --data DIR'.
  --state DIR keeps the agents' state there (default: a new temporary folder).`;

export async function demo(args: string[]): Promise<number> {
  const { values } = parse(args, {
    pods: { type: 'string' }, port: { type: 'string' }, servers: { type: 'string' }, data: { type: 'string' },
    state: { type: 'string' }, queries: { type: 'string' }, 'dashboard-port': { type: 'string' },
    exit: { type: 'boolean' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, 'collect-ms': { type: 'string' },
  });
  if (values.help) return (console.log(usage), 0);
  const dashboardPort = integer(values['dashboard-port'], '--dashboard-port', 8080, 0);
  const names = values.queries ? values.queries.split(',') : EXAMPLES;
  const unknown = names.filter((n) => !EXAMPLES.includes(n));
  if (unknown.length) throw new UsageError(`unknown example ${unknown.join(', ')}; examples are ${EXAMPLES.join(', ')}`);
  const json = values.json ?? false;
  const say = (text: string) => !json && console.log(text);
  const labels = new Map<string, ReturnType<typeof progress>>();
  const d = await startDemo({
    pods: integer(values.pods, '--pods', 50, 2),
    port: integer(values.port, '--port', 3000),
    servers: integer(values.servers, '--servers', 1),
    dataDir: values.data,
    stateDir: values.state,
    collectMs: values['collect-ms'] === undefined ? undefined : integer(values['collect-ms'], '--collect-ms', 0, 100),
    onProgress: (label, done, total) => {
      if (!labels.has(label)) labels.set(label, progress(label));
      labels.get(label)!(done, total);
    },
  });
  try {
    say(`servers    ${d.fleet.servers.map((s) => s.baseUrl).join(' ')}\npods       ${d.credentials.length}\nstate      ${d.stateDir}\ncredentials ${d.credentialsFile}\npopulation ${d.population}`);
    // The demo's pods have no names: each agent is its pod's host and path.
    if (values.verbose) d.host.journal.on('event', printEvent(false, false, new Map(d.credentials.map((c) => [c.webId, agentLabel(c.webId, undefined, c.podUrl)]))));
    const outcomes: DemoOutcome[] = [];
    for (const name of names) {
      say(`\n== ${name}: publishing`);
      const outcome = await d.publish(name);
      outcomes.push(outcome);
      say(describe(outcome));
    }
    const allExact = outcomes.every((o) => o.exact);
    if (json) console.log(JSON.stringify({ population: d.population, outcomes }, null, 1));
    else say(`\n${allExact ? 'every result equals its plain answer' : 'SOME RESULTS DIFFER FROM THEIR PLAIN ANSWERS'}`);
    if (values.exit) return allExact ? 0 : 1;
    const dashboard = await startDashboard({ port: dashboardPort, stateDir: d.stateDir, credentialsFile: d.credentialsFile });
    const interrupted = untilInterrupted();
    say(`\ndashboard  ${dashboard.url}\nrunning; Ctrl-C to stop`);
    await interrupted;
    await dashboard.stop();
    return 0;
  } finally {
    await d.stop();
  }
}

function describe(o: DemoOutcome): string {
  const lines = [`   ${o.title}`, `   plan: ${o.explanation}`];
  if (o.abort || !o.published) {
    lines.push(`   NO RESULT: ${o.abort ?? 'unknown'}`);
    return lines.join('\n');
  }
  const r = o.published;
  r.values.forEach((v, i) => {
    lines.push(`   ${v.kind.padEnd(10)} result: ${formatValue(v.value)}`);
    lines.push(`   ${''.padEnd(10)} plain:  ${formatValue(o.plain.values[i].value)}`);
  });
  lines.push(`   contributors ${r.contributors} (plain ${o.plain.contributors}), completeness ${(100 * r.completeness).toFixed(1)} %, ${o.seconds.toFixed(1)} s (planner: ${o.predictedSeconds.toFixed(1)} s), ${o.exact ? 'exact' : 'DIFFERS'}`);
  lines.push(`   result document ${o.result}`);
  return lines.join('\n');
}
