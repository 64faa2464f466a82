// Agents spread over several OS processes, as `podagg agent run --slice I/N` runs them:
// for benchmarks that must not put every agent on one event loop. Each child runs one
// slice of a credentials file in the same state folder (so each agent keeps its keys),
// says when its agents are up, and stops one agent when told to, as a crash would.

import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostCommand, HostReport } from '../agent/solid/host-control.ts';


export interface AgentProcessesOptions {
  credentialsFile: string;
  stateDir: string;
  processes: number;
  /** Each agent its own peer cache and failure detector, naming itself on each request. */
  isolated: boolean;
}

export interface AgentProcesses {
  /** Stops one agent in whichever child runs it. */
  kill(webId: string): Promise<void>;
  stop(): Promise<void>;
}

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'podagg.js');

export async function startAgentProcesses(o: AgentProcessesOptions): Promise<AgentProcesses> {
  const children: ChildProcess[] = [];
  const started = Array.from({ length: o.processes }, (_, i) => {
    const args = ['agent', 'run', '--credentials', o.credentialsFile, '--all', '--slice', `${i}/${o.processes}`, '--state', o.stateDir, '--json'];
    if (o.isolated) args.push('--isolated');
    const child = fork(CLI, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    return new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`agent process ${i}/${o.processes} exited (${code}) before its agents were up`));
      child.once('exit', onExit);
      child.on('message', (m: HostReport) => {
        if (m.type !== 'ready') return;
        child.off('exit', onExit);
        resolve();
      });
    });
  });
  const stop = async () => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGINT');
    })));
  };
  try {
    await Promise.all(started);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    stop,
    kill: (webId) =>
      Promise.all(children.map((c) => new Promise<void>((resolve) => {
        const onMessage = (m: HostReport) => {
          if (m.type !== 'killed' || m.webId !== webId) return;
          c.off('message', onMessage);
          resolve();
        };
        c.on('message', onMessage);
        c.send({ type: 'kill', webId } satisfies HostCommand);
      }))).then(() => undefined),
  };
}
