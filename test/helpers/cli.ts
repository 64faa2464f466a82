// Running the podagg command as a child process, as a user would.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/podagg.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A long-running podagg command (`pods up`): its output so far, and a way to stop it. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the command has exited. */
  exited: Promise<CliResult>;
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout has a line matching `pattern`; rejects if the command exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and resolves when the command has exited. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

export function startCli(args: string[]): CliProcess {
  // PODAGG_DEBUG would print stack traces, which the error tests forbid.
  const env = { ...process.env, PODAGG_DEBUG: '' };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), timeoutMs);
        const check = () => {
          const line = stdout.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) done(undefined, line);
        };
        const early = (result: CliResult) => done(new Error(`podagg exited (${result.code ?? result.signal}) before printing ${pattern}\nstderr: ${result.stderr}`));
        function done(error?: Error, line?: string) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          if (error) reject(error);
          else resolve(line!);
        }
        child.stdout!.on('data', check);
        void exited.then(early);
        check();
      });
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a podagg command to completion; rejects if it is still running after `timeoutMs`. */
export async function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  const cli = startCli(args);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.child.kill('SIGKILL');
      reject(new Error(`podagg ${args.join(' ')} still running after ${timeoutMs} ms\nstderr: ${cli.output().stderr}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
