// podagg train: federated training, round after round, each model scored on held-out rows.

import { readFile } from 'node:fs/promises';
import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { AgentHost } from '../agent/solid/host.ts';
import { checkTraining, train, type RoundReport } from '../agent/solid/training-run.ts';
import { integer, parse } from './args.ts';
import { roundBar } from './round-bar.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const trainUsage = `usage: podagg train QUERY.ttl --held-out SELECT.rq --credentials FILE --webid WEBID [--population URL]
                    [--state DIR] [--rounds R] [--patience N] [--min-contributors N] [--collect-ms N] [--json]
  Trains the model a training query declares (one pa:Training aggregate: pa:NaiveBayes or
  pa:LogisticRegression) over the population, federatedly: every round publishes the current
  model as a document of its own and a training query linking it, runs it (the querier's
  agent, state in DIR, default ${STATE_DEFAULT}, runs here), and publishes the result as the
  next model, linking the previous one. Each round's model is then scored by a second query
  (pa:Evaluation) over the rows SELECT.rq selects in every pod, held out from training: the
  agents count correct predictions, so accuracy is known without anyone revealing a label.
  Prints one line per round: round, contributors, held-out accuracy and loss, time; while a
  round runs, a progress bar on stderr counts its steps (each query published, each root
  aggregate received, its result): redrawn in place on a terminal, one plain line per step
  otherwise, none with --json.
  Stops after R rounds (default 10), or when accuracy has not improved for N rounds (default 1);
  naive Bayes is exact in one round.
  --min-contributors replaces the query's pa:minContributors.`;

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    'held-out': { type: 'string' }, credentials: { type: 'string' }, webid: { type: 'string' }, population: { type: 'string' },
    state: { type: 'string' }, rounds: { type: 'string' }, patience: { type: 'string' }, 'min-contributors': { type: 'string' },
    'collect-ms': { type: 'string' }, json: { type: 'boolean' },
  }, { positionals: ['QUERY.ttl'], required: ['held-out', 'credentials', 'webid'] });
  if (values.help) return (console.log(trainUsage), 0);
  const rounds = integer(values.rounds, '--rounds', 10);
  const patience = integer(values.patience, '--patience', 1);
  const minContributors = values['min-contributors'] === undefined ? undefined : integer(values['min-contributors'], '--min-contributors', 0);
  const collectMs = values['collect-ms'] === undefined ? undefined : integer(values['collect-ms'], '--collect-ms', 0, 100);
  const [file, heldOutFile] = [positionals[0], values['held-out']!];
  const turtle = await readFile(file, 'utf8').catch(() => {
    throw new Error(`cannot read query file ${file}`);
  });
  const heldOut = await readFile(heldOutFile, 'utf8').catch(() => {
    throw new Error(`cannot read held-out selection ${heldOutFile}`);
  });
  const [credential] = selectCredentials(await readCredentials(values.credentials!), values.webid, false);
  // Before logging in: a query that cannot train, or held-out rows that cannot score it, fail here.
  try {
    checkTraining(turtle, heldOut, credential.podUrl);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const host = new AgentHost({ stateDir: stateDir(values.state) });
  const bar = values.json ? undefined : roundBar();
  try {
    await host.add([credential]);
    const reports = await train({
      host, querier: credential, turtle, heldOut, population: values.population, rounds, patience,
      overrides: minContributors === undefined ? undefined : { minContributors },
      minTimeouts: collectMs ? { collectMs } : undefined,
      onProgress: (p) => bar?.show(p),
      onRound: (r) => {
        bar?.clear();
        console.log(values.json ? JSON.stringify({ ...r, parameters: undefined }) : roundLine(r));
      },
    });
    if (!values.json) console.log(`model   ${reports.at(-1)!.model}`);
    return 0;
  } finally {
    bar?.clear();
    await host.stop();
  }
}

/** A round as `podagg train` and the demo print it. */
export function roundLine(r: Omit<RoundReport, 'parameters'>): string {
  return `round ${String(r.round).padStart(3)}  ${r.contributors} contributors  accuracy ${(100 * r.accuracy).toFixed(1)} % (${r.correct}/${r.rows} held-out rows of ${r.evaluators} owners)  loss ${r.loss.toFixed(4)}  ${r.seconds.toFixed(1)} s`;
}
