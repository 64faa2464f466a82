// podagg agent init: log in as one WebID (or all of a credentials file) and provision it.

import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { login } from '../agent/solid/session.ts';
import { provision } from '../agent/solid/provision.ts';
import { parse } from './args.ts';
import { STATE_DEFAULT, stateDir } from './state-dir.ts';

export const usage = `usage: podagg agent init --credentials FILE (--webid WEBID | --all) [--state DIR] [--replace-keys]
  Generates the agent's keys into DIR (private keys mode 0600), creates its append-only inbox
  and publishes the inbox and public keys in an extended profile document of the pod, linked
  from the WebID document (the one triple podagg adds there). Idempotent.
  DIR: default ${STATE_DEFAULT}.
  When the profile already publishes keys that are not in DIR, it stops and says so: they
  belong to an agent using another state folder. --replace-keys publishes DIR's keys instead
  (runs under way with the old keys then fail).`;

export async function agentInit(args: string[]): Promise<number> {
  const { values } = parse(args, {
    credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, state: { type: 'string' }, 'replace-keys': { type: 'boolean' },
  }, { required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  const chosen = selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false);
  for (const credential of chosen) {
    const session = await login(credential);
    try {
      const report = await provision(session, credential, stateDir(values.state), { replaceKeys: values['replace-keys'], defaultStateDir: stateDir(undefined) });
      console.log(`${credential.webId}: ${report.changes.length ? report.changes.join(', ') : 'already provisioned'}`);
    } finally {
      // Also on failure: the session's refresh timer would keep the command from exiting.
      await session.logout();
    }
  }
  return 0;
}
