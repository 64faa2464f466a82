// Which state folder a command uses: --state, then PODAGG_STATE, then the XDG state folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { stateDir } from '../cli/state-dir.ts';

test('--state, then PODAGG_STATE, then $XDG_STATE_HOME/podagg, then ~/.local/state/podagg', () => {
  const env = { PODAGG_STATE: '/p', XDG_STATE_HOME: '/x' };
  assert.equal(stateDir('here', env), 'here');
  assert.equal(stateDir(undefined, env), '/p');
  assert.equal(stateDir(undefined, { XDG_STATE_HOME: '/x' }), path.join('/x', 'podagg'));
  assert.equal(stateDir(undefined, {}), path.join(os.homedir(), '.local', 'state', 'podagg'));
});

test('an empty or relative XDG_STATE_HOME is ignored, as the XDG spec says', () => {
  const home = path.join(os.homedir(), '.local', 'state', 'podagg');
  assert.equal(stateDir(undefined, { XDG_STATE_HOME: '' }), home);
  assert.equal(stateDir(undefined, { XDG_STATE_HOME: 'relative/state' }), home);
  assert.equal(stateDir(undefined, { PODAGG_STATE: '' }), home);
});
