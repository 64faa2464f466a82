// A host of agents started by a parent process with an IPC channel (benchmarks spread agents
// over processes: demo/agent-processes.ts): it says when its agents are up, and stops one
// agent when told to, as a crash would.

import type { AgentHost } from './host.ts';

/** What the host tells its parent. */
export type HostReport = { type: 'ready'; agents: number } | { type: 'killed'; webId: string };
/** What the parent asks of the host; a host that does not run the agent answers all the same. */
export type HostCommand = { type: 'kill'; webId: string };

/** Does nothing unless this process was started with an IPC channel. */
export function answerParent(host: AgentHost, agents: number): void {
  if (!process.send) return;
  const tell = (report: HostReport) => process.send?.(report);
  process.on('message', (command: HostCommand) => {
    if (command.type !== 'kill') return;
    const stopped = host.agents.has(command.webId) ? host.kill(command.webId) : Promise.resolve();
    void stopped.then(() => tell({ type: 'killed', webId: command.webId }));
  });
  tell({ type: 'ready', agents });
}
