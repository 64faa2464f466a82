// The labels the dashboard shows for agents (agent/solid/agent-labels.ts), each read once
// per WebID and kept: a profile's name rarely changes, and pages ask for the same agents
// again with every update. An answer waits for the reads a short while only: an agent whose
// profile is slow to answer is named by its URL until its label is in.

import { readAgentLabels } from '../agent/solid/agent-labels.ts';
import { agentLabel } from '../query-vocab/index.ts';

const WAIT_MS = 2000;

export class AgentLabels {
  private readonly known = new Map<string, string>();
  private readonly reading = new Map<string, Promise<void>>();

  constructor(private readonly fetch: typeof globalThis.fetch = globalThis.fetch) {}

  /** WebID → label, for every WebID given. */
  async of(webIds: Iterable<string | undefined>): Promise<Record<string, string>> {
    const wanted = [...new Set(webIds)].filter((w): w is string => !!w && URL.canParse(w));
    const fresh = wanted.filter((w) => !this.known.has(w) && !this.reading.has(w));
    if (fresh.length > 0) {
      const read = readAgentLabels(this.fetch, fresh.map((webId) => ({ webId }))).then((labels) => {
        for (const [webId, label] of labels) this.known.set(webId, label);
        for (const webId of fresh) this.reading.delete(webId);
      });
      for (const webId of fresh) this.reading.set(webId, read);
    }
    const pending = [...new Set(wanted.map((w) => this.reading.get(w)).filter((p) => p !== undefined))];
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, WAIT_MS)))]);
      clearTimeout(timer);
    }
    return Object.fromEntries(wanted.map((w) => [w, this.known.get(w) ?? agentLabel(w)]));
  }
}
