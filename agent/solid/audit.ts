// The contributors a published result covers, from the run states the agents of one state
// folder saved (agents/<agent>/runs/, see run-store.ts): for tests and audits
// that check a partial result against the plaintext over exactly those contributors.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { WebId } from '../../query-vocab/index.ts';
import { includedContributors } from '../core/audit.ts';
import { deserialiseState, type RunState } from '../core/protocol.ts';
import { savedRuns } from './run-store.ts';

export function includedOnDisk(stateDir: string, query: string, querier: WebId, rootGroup: string): WebId[] | null {
  const states: RunState[] = [];
  const agents = path.join(stateDir, 'agents');
  for (const agent of readdirSync(agents)) {
    for (const saved of savedRuns(path.join(agents, agent, 'runs'))) {
      if (saved.query === query) states.push(deserialiseState(saved.state));
    }
  }
  const mine = states.find((s) => s.self === querier);
  return mine ? includedContributors(states, mine, rootGroup) : null;
}
