// The podagg command line: one table of commands, each in its own module.

import { UsageError } from './args.ts';
import { agentInit } from './agent-init.ts';
import { podsUp } from './pods.ts';
import { queryCheck } from './query-check.ts';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  'pods up': { run: podsUp, summary: 'start embedded Solid servers with N pods and write their credentials' },
  'agent init': { run: agentInit, summary: 'generate keys, create the inbox and publish keys in the profile' },
  'query check': { run: queryCheck, summary: 'validate a query file offline (shapes and SPARQL checks)' },
};

export const HELP = `podagg: privacy-preserving aggregate queries over Solid pods

usage: podagg <command> [flags]   (podagg <command> --help for its flags)

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)}${c.summary}`).join('\n')}`;

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
