// The podagg command line: one table of commands, each in its own module.

import { resolveLocalhostNames } from '../agent/solid/localhost-names.ts';
import { UsageError, usageLine } from './args.ts';

type Command = (args: string[]) => Promise<number>;

// Each command's module is loaded only when it runs: the embedded server alone takes seconds to import.

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  demo: { run: async (a) => (await import('./demo.ts')).demo(a), summary: 'the main job: pods, agents, example queries, results beside plain answers' },
  'pods up': { run: async (a) => (await import('./pods.ts')).podsUp(a), summary: 'start embedded Solid servers with N pods and write their credentials' },
  'pods seed': { run: async (a) => (await import('./pods-seed.ts')).podsSeed(a), summary: "write the demo's synthetic personal data into the pods" },
  login: { run: async (a) => (await import('./login.ts')).ownerLogin(a), summary: 'log in once in a browser; the agent keeps a refresh token (NSS pods)' },
  'agent init': { run: async (a) => (await import('./agent-init.ts')).agentInit(a), summary: 'generate keys, create the inbox and publish keys in the profile' },
  'agent rotate-keys': { run: async (a) => (await import('./agent-rotate.ts')).agentRotate(a), summary: 'rotate the keys; runs already under way still complete' },
  'agent run': { run: async (a) => (await import('./agent-run.ts')).agentRun(a), summary: 'run agents: consent, contribute, aggregate, publish results' },
  'population create': { run: async (a) => (await import('./population.ts')).populationCreate(a), summary: 'create a population directory (append-only for members)' },
  'population join': { run: async (a) => (await import('./population.ts')).populationJoin(a), summary: "append agents' registrations to a population" },
  'consent set': { run: async (a) => (await import('./consent.ts')).consentSet(a), summary: "write an owner's consent policy into their pod" },
  'consent show': { run: async (a) => (await import('./consent-show.ts')).consentShow(a), summary: "show an owner's consent policy and the privacy budget left per querier" },
  'query check': { run: async (a) => (await import('./query-check.ts')).queryCheck(a), summary: 'validate a query file offline (shapes and SPARQL checks)' },
  'query publish': { run: async (a) => (await import('./query.ts')).queryPublish(a), summary: 'publish a query, run it and print the result' },
  train: { run: async (a) => (await import('./train.ts')).trainCommand(a), summary: 'train a model federatedly, round after round, scored on held-out rows' },
  'query status': { run: async (a) => (await import('./query.ts')).queryStatus(a), summary: 'show where a run stands' },
  sparql: { run: async (a) => (await import('./sparql.ts')).sparql(a), summary: 'run SPARQL over result documents' },
  simulate: { run: async (a) => (await import('./simulate.ts')).simulate(a), summary: 'run the protocol core over a simulated network' },
  serve: { run: async (a) => (await import('./serve.ts')).serve(a), summary: 'serve the dashboard and its JSON API' },
};

export const HELP = `podagg: privacy-preserving aggregate queries over Solid pods

usage: podagg <command> [flags]   (podagg <command> --help for its flags)

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(19)}${c.summary}`).join('\n')}`;

export async function main(argv: string[]): Promise<number> {
  // Pods on subdomains of localhost (a CSS preset) resolve here without /etc/hosts.
  resolveLocalhostNames();
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(HELP);
    return 0;
  }
  const name = [`${argv[0]} ${argv[1] ?? ''}`, argv[0]].find((n) => n in COMMANDS);
  try {
    if (argv.length === 0) throw new UsageError('no command given');
    if (!name) throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"`);
    return await COMMANDS[name].run(argv.slice(name.split(' ').length));
  } catch (error) {
    if (process.env.PODAGG_DEBUG) console.error(error);
    if (error instanceof UsageError) {
      console.error(usageLine(error, name ?? ''));
      return 2;
    }
    console.error(`podagg: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
