// One readable line per protocol step on the console, or the journal's JSON with --json.

import type { RunEvent } from '../agent/solid/events.ts';

const short = (webId: string) => {
  const url = new URL(webId);
  return url.pathname.split('/').filter(Boolean)[0] ?? url.host;
};

export function printEvent(json: boolean, verbose = false): (e: RunEvent) => void {
  return (e) => {
    if (json) return console.log(JSON.stringify(e));
    if (!verbose && (e.kind === 'sent' || e.kind === 'received')) return;
    console.log(`${e.at.slice(11, 23)} ${short(e.webId).padEnd(12)} ${e.kind.padEnd(11)} ${e.text}`);
  };
}
