// The state folder (keys, runs, journal) a command uses: --state, else $PODAGG_STATE, else
// the user's XDG state folder. One stable folder per user, wherever a command is run from:
// a second folder means fresh keys, published over those of an agent running on the first.
import os from 'node:os';
import path from 'node:path';

/** How usage texts name the default. */
export const STATE_DEFAULT = '$PODAGG_STATE, else $XDG_STATE_HOME/podagg, else ~/.local/state/podagg';

export function stateDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.PODAGG_STATE) return env.PODAGG_STATE;
  // The XDG Base Directory spec: an unset, empty or relative XDG_STATE_HOME means ~/.local/state.
  const xdg = env.XDG_STATE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state'), 'podagg');
}
