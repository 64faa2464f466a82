// podagg agent init: log in as one WebID (or all of a credentials file) and provision it.

import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { login } from '../agent/solid/session.ts';
import { provision } from '../agent/solid/provision.ts';
import { parse } from './args.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const usage = `usage: podagg agent init --credentials FILE (--webid WEBID | --all) [--state DIR]
  Generates the agent's keys into DIR (private keys mode 0600), creates its append-only inbox
  and publishes the inbox and public keys in the WebID profile. Idempotent.
  DIR: default ${STATE_DEFAULT}.`;

export async function agentInit(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, state: { type: 'string' },
  }, { required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const chosen = selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false);
  for (const credential of chosen) {
    const session = await login(credential);
    try {
      const report = await provision(session, credential, stateDir(values.state));
      console.log(`${credential.webId}: ${report.changes.length ? report.changes.join(', ') : 'already provisioned'}`);
    } finally {
      // Also on failure: the session's refresh timer would keep the command from exiting.
      await session.logout();
    }
  }
  return 0;
}
