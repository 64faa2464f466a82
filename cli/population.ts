// podagg population create / join.

import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { keyFilePath, loadOrCreateKeys } from '../agent/solid/keyfile.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { agentFolder, rememberPopulation } from '../agent/solid/memberships.ts';
import { createPopulation, joinPopulation } from '../agent/solid/population.ts';
import { provision } from '../agent/solid/provision.ts';
import { login } from '../agent/solid/session.ts';
import { signRegistration } from '../agent/core/registration.ts';
import { parse } from './args.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const createUsage = `usage: podagg population create URL --credentials FILE --webid WEBID
  Creates the population directory URL (a container in WEBID's pod, ending with "/"):
  readable by authenticated agents, who may append their registration but change nothing.`;

export async function populationCreate(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { credentials: { type: 'string' }, webid: { type: 'string' } }, { positionals: ['URL'], required: ['credentials', 'webid'] });
  if (values.help) return (console.log(createUsage), 0);
  const [credential] = selectCredentials(await readCredentials(values.credentials!), values.webid, false);
  const session = await login(credential);
  try {
    const created = await createPopulation(session.fetch, positionals[0], credential.webId);
    console.log(`${positionals[0]}: ${created ? 'created' : 'already exists (access rules checked)'}`);
    return 0;
  } finally {
    await session.logout();
  }
}

export const joinUsage = `usage: podagg population join URL --credentials FILE (--webid WEBID | --all) [--state DIR]
  Appends each agent's registration (WebID, inbox, public keys) to the population URL,
  provisioning the agent first if needed (keys in DIR, default ${STATE_DEFAULT}), and
  records the population in DIR: \`podagg agent run\` then watches its announcements.
  Joining twice does nothing.`;

export async function populationJoin(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, state: { type: 'string' },
  }, { positionals: ['URL'], required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(joinUsage), 0);
  const state = stateDir(values.state);
  for (const credential of selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false)) {
    const session = await login(credential);
    try {
      await provision(session, credential, state, { defaultStateDir: stateDir(undefined) });
      const { keys } = await loadOrCreateKeys(keyFilePath(state, credential.webId), credential.webId);
      const me = { webId: credential.webId, inbox: podLayout(credential.podUrl).inbox, x25519: keys.x25519.publicKey, ed25519: keys.ed25519.publicKey };
      const outcome = await joinPopulation(session.fetch, positionals[0], signRegistration(me, positionals[0], keys.ed25519.secretKey));
      rememberPopulation(agentFolder(state, credential.webId), positionals[0]);
      console.log(`${credential.webId}: ${outcome}`);
    } finally {
      await session.logout();
    }
  }
  return 0;
}
