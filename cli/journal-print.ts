// One readable line per protocol step on the console, or the journal's JSON with --json.

import type { RunEvent } from '../agent/solid/events.ts';
import { agentLabel } from '../query-vocab/index.ts';

/** `labels`: the agents' labels read from their profiles; others are named by their URL. */
export function printEvent(json: boolean, verbose = false, labels: ReadonlyMap<string, string> = new Map()): (e: RunEvent) => void {
  const width = Math.max(12, ...[...labels.values()].map((l) => l.length));
  return (e) => {
    if (json) return console.log(JSON.stringify(e));
    if (!verbose && (e.kind === 'sent' || e.kind === 'received')) return;
    const label = labels.get(e.webId) ?? agentLabel(e.webId);
    console.log(`${e.at.slice(11, 23)} ${label.padEnd(width)} ${e.kind.padEnd(11)} ${e.text}`);
  };
}
