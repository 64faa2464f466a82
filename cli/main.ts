// The podagg command line: one table of commands, each in its own module.

import { UsageError } from './args.ts';
import { agentInit } from './agent-init.ts';
import { agentRun } from './agent-run.ts';
import { consentSet } from './consent.ts';
import { demo } from './demo.ts';
import { podsUp } from './pods.ts';
import { populationCreate, populationJoin } from './population.ts';
import { queryCheck } from './query-check.ts';
import { queryPublish, queryStatus } from './query.ts';
import { serve } from './serve.ts';
import { simulate } from './simulate.ts';
import { sparql } from './sparql.ts';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  demo: { run: demo, summary: 'the main job: pods, agents, example queries, results beside plain answers' },
  'pods up': { run: podsUp, summary: 'start embedded Solid servers with N pods and write their credentials' },
  'agent init': { run: agentInit, summary: 'generate keys, create the inbox and publish keys in the profile' },
  'agent run': { run: agentRun, summary: 'run agents: consent, contribute, aggregate, publish results' },
  'population create': { run: populationCreate, summary: 'create a population directory (append-only for members)' },
  'population join': { run: populationJoin, summary: "append agents' registrations to a population" },
  'consent set': { run: consentSet, summary: "write an owner's consent policy into their pod" },
  'query check': { run: queryCheck, summary: 'validate a query file offline (shapes and SPARQL checks)' },
  'query publish': { run: queryPublish, summary: 'publish a query, run it and print the result' },
  'query status': { run: queryStatus, summary: 'show where a run stands' },
  sparql: { run: sparql, summary: 'run SPARQL over result documents' },
  simulate: { run: simulate, summary: 'run the protocol core over a simulated network' },
  serve: { run: serve, summary: 'serve the dashboard and its JSON API' },
};

export const HELP = `podagg: privacy-preserving aggregate queries over Solid pods

usage: podagg <command> [flags]   (podagg <command> --help for its flags)

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(19)}${c.summary}`).join('\n')}`;

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(HELP);
    return argv.length === 0 ? 1 : 0;
  }
  const name = [`${argv[0]} ${argv[1] ?? ''}`, argv[0]].find((n) => n in COMMANDS);
  if (!name) {
    console.error(`podagg: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await COMMANDS[name].run(argv.slice(name.split(' ').length));
  } catch (error) {
    if (process.env.PODAGG_DEBUG) console.error(error);
    console.error(`podagg: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}
