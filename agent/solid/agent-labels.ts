// Agents' labels (query-vocab/agent-label.ts) for the WebIDs a console or the dashboard
// shows, each from one public read of the WebID document; a profile that cannot be read
// leaves the host-and-path label, never an error.

import { agentLabel, documentOf } from '../../query-vocab/index.ts';
import { inParallel } from './in-parallel.ts';
import type { Fetch } from './pod.ts';

const TIMEOUT_MS = 5000;

export async function readAgentLabel(fetch: Fetch, webId: string, podUrl?: string): Promise<string> {
  try {
    const response = await fetch(documentOf(webId), { headers: { accept: 'text/turtle' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.ok) return agentLabel(webId, await response.text(), podUrl);
    await response.body?.cancel();
  } catch {
    // unreachable: the URL is the label
  }
  return agentLabel(webId, undefined, podUrl);
}

/** Labels of many agents, a few reads at a time. */
export async function readAgentLabels(fetch: Fetch, agents: Array<{ webId: string; podUrl?: string }>): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  await inParallel(agents, 8, async (a) => void labels.set(a.webId, await readAgentLabel(fetch, a.webId, a.podUrl)));
  return labels;
}
