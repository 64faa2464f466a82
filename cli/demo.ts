// podagg demo (npm start): the main job on the embedded default.

import { EXAMPLES, MORE_EXAMPLES, TRAININGS, startDemo, type DemoOutcome, type TrainingOutcome } from '../demo/demo.ts';
import { startDashboard } from '../dashboard/dashboard.ts';
import { integer, parse, progress, untilInterrupted, UsageError } from './args.ts';
import { formatValue, rejectedText } from './result-format.ts';
import { printEvent } from './journal-print.ts';
import { agentLabel } from '../query-vocab/index.ts';
import { roundBar } from './round-bar.ts';
import { roundLine } from './train.ts';

const ALL_TRAININGS = Object.keys(TRAININGS);

export const usage = `usage: podagg demo [--pods N] [--port P] [--servers S] [--data DIR] [--state DIR]
                   [--queries NAME,…] [--training NAME,…|none] [--training-rounds R]
                   [--dashboard-port P] [--exit] [--json] [--verbose]
  Starts S embedded Solid servers (default 1, ports P… default 3000) with N pods (default 50)
  filled with seeded synthetic data (steps, bank operations, age, region), provisions and
  starts one agent per pod, sets consent policies (20 % of owners refuse research), builds
  the population, publishes the example queries (default: ${EXAMPLES.join(', ')}; also
  ${MORE_EXAMPLES.join(', ')}, whose contributions carry Prio3 proofs) and prints
  each result beside the plain answer computed directly from the data.
  Then it trains the classifier of bank operations by category federatedly (default:
  ${ALL_TRAININGS.join(', ')}; --training none skips it; logistic regression for R rounds,
  default 3) and prints each round and the final held-out accuracy beside that of the same
  model trained centrally on the pooled rows (naive Bayes must equal it exactly).
  Then it serves the dashboard (default port 8080) until Ctrl-C; --exit stops after the
  queries (exit code 1 if any result or model differs from its plain answer); --json prints
  the outcomes as JSON. --data DIR keeps the pods on disk for 'podagg pods up --data DIR'.
  --state DIR keeps the agents' state there (default: a new temporary folder).`;

export async function demo(args: string[]): Promise<number> {
  const { values } = parse(args, {
    pods: { type: 'string' }, port: { type: 'string' }, servers: { type: 'string' }, data: { type: 'string' },
    state: { type: 'string' }, queries: { type: 'string' }, 'dashboard-port': { type: 'string' },
    exit: { type: 'boolean' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, 'collect-ms': { type: 'string' },
    training: { type: 'string' }, 'training-rounds': { type: 'string' },
  });
  if (values.help) return (console.log(usage), 0);
  const dashboardPort = integer(values['dashboard-port'], '--dashboard-port', 8080, 0);
  const names = values.queries ? values.queries.split(',') : EXAMPLES;
  const known = [...EXAMPLES, ...MORE_EXAMPLES];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`unknown example ${unknown.join(', ')}; examples are ${known.join(', ')}`);
  const trainings = values.training === 'none' ? [] : values.training ? values.training.split(',') : ALL_TRAININGS;
  const unknownTrainings = trainings.filter((n) => !ALL_TRAININGS.includes(n));
  if (unknownTrainings.length) throw new UsageError(`unknown training ${unknownTrainings.join(', ')}; trainings are ${ALL_TRAININGS.join(', ')}, or none`);
  const trainingRounds = integer(values['training-rounds'], '--training-rounds', 3);
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
    const trained: TrainingOutcome[] = [];
    for (const name of trainings) {
      say(`\n== ${name}: training`);
      const bar = json || !process.stderr.isTTY ? undefined : roundBar();
      const outcome = await d.train(name, {
        rounds: trainingRounds,
        onProgress: (p) => bar?.show(p),
        onRound: (r) => {
          bar?.clear();
          say(`   ${roundLine(r)}`);
        },
      });
      bar?.clear();
      trained.push(outcome);
      say(describeTraining(outcome));
    }
    const allExact = outcomes.every((o) => o.exact) && trained.every((t) => t.exact);
    if (json) console.log(JSON.stringify({ population: d.population, outcomes, trainings: trained }, null, 1));
    else say(`\n${allExact ? 'every result and model equals its plain answer' : 'SOME RESULTS OR MODELS DIFFER FROM THEIR PLAIN ANSWERS'}`);
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
  if (r.rejected !== undefined) lines.push(`   ${rejectedText(r.rejected)}`);
  lines.push(`   result document ${o.result}`);
  return lines.join('\n');
}

function describeTraining(t: TrainingOutcome): string {
  const lines = [`   ${t.title}`];
  if (t.abort || !t.federated || !t.central) return [...lines, `   NO MODEL: ${t.abort ?? 'unknown'}`].join('\n');
  const score = (s: { correct: number; rows: number; accuracy: number }) => `${(100 * s.accuracy).toFixed(1)} % (${s.correct}/${s.rows})`;
  const central = t.trainer === 'NaiveBayes' ? 'naive Bayes on the pooled rows' : 'SGD on the pooled rows for as many epochs in all';
  lines.push(`   held-out accuracy: federated ${score(t.federated)}, central ${score(t.central)} by ${central}`);
  const same = t.trainer === 'NaiveBayes' ? 'the federated model equals the central one exactly' : `every round's weights equal FedAvg replayed centrally over the same owners (largest difference ${t.gap === 0 ? '0' : t.gap!.toExponential(1)})`;
  lines.push(`   ${t.exact ? same : `DIFFERS: ${t.differences.join('; ')}`}; ${t.seconds.toFixed(1)} s`);
  lines.push(`   model document ${t.model}`);
  return lines.join('\n');
}
