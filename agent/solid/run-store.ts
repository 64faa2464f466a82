// The agent's runs on its own disk: one file per run with the query IRI and the run's
// state, which holds everything the run still owes (its unacknowledged sends included).
// Written whole and renamed, so a crash leaves the old state or the new one, never half.
// The state holds plaintext shares: the folder is the owner's (0700, files 0600), never a pod.

import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shortDigest } from '../core/digest.ts';

export interface SavedRun {
  query: string;
  /** serialiseState of the run. */
  state: string;
}

export class RunStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  save(run: SavedRun): void {
    const file = path.join(this.dir, `${shortDigest(run.query)}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(run), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  all(): SavedRun[] {
    return savedRuns(this.dir);
  }
}

/** The runs saved in a run store's folder (for audits of a state folder, too). */
export function savedRuns(dir: string): SavedRun[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as SavedRun);
}
