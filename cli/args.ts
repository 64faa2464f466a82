// Flag parsing shared by every command: node:util's parseArgs plus what each command
// requires (flags, positionals), so that every usage error is a UsageError, thrown before
// any file or network is touched, and main reports it the same way for every command.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Bad command line: main prints it as one line and exits 2. */
export class UsageError extends Error {}

/** What a command needs beyond its flags' types; not checked with --help. */
export interface Needs<O extends Options> {
  /** Positional arguments in order, all required; a last name ending in '…' takes one or more. Default: none. */
  positionals?: string[];
  required?: Array<keyof O & string>;
  /** Exactly one of these two flags. */
  oneOf?: [keyof O & string, keyof O & string];
}

function strict<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util goes on to explain '--' escaping; its first sentence names the flag.
    const first = (error as Error).message.split(/\.\s/)[0];
    throw new UsageError(first.charAt(0).toLowerCase() + first.slice(1));
  }
}

export function parse<O extends Options>(args: string[], options: O, needs: Needs<O> = {}) {
  const parsed = strict(args, options);
  const values = parsed.values as Record<string, unknown>;
  if (!values.help) check(values, parsed.positionals, needs);
  return parsed;
}

function check(values: Record<string, unknown>, positionals: string[], needs: { positionals?: string[]; required?: string[]; oneOf?: string[] }): void {
  const names = needs.positionals ?? [];
  const many = names.at(-1)?.endsWith('…') ?? false;
  const missing = [
    ...names.slice(positionals.length).map((n) => n.replace(/…$/, '')),
    ...(needs.required ?? []).filter((f) => values[f] === undefined).map((f) => `--${f}`),
  ];
  if (missing.length > 0) throw new UsageError(`${words(missing, 'and')} ${missing.length > 1 ? 'are' : 'is'} required`);
  if (!many && positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
  const given = (needs.oneOf ?? []).filter((f) => values[f] !== undefined);
  if (needs.oneOf && given.length !== 1) {
    throw new UsageError(`give ${words(needs.oneOf.map((f) => `--${f}`), 'or')}${given.length > 1 ? ', not both' : ''}`);
  }
}

/** How main (and query check, which reports to its own output) prints a usage error: one line, with where to look. */
export function usageLine(error: UsageError, command: string): string {
  return `podagg: ${error.message} (see podagg ${command ? `${command} ` : ''}--help)`;
}

const words = (items: string[], last: string) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}` : items[0]);

export function integer(value: unknown, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer of at least ${min}, not "${value}"`);
  return n;
}

/** A number above 0 (ε, days), or undefined when the flag is absent. */
export function positive(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number above 0, not "${value}"`);
  return n;
}

/** A one-line progress counter on a terminal, silent otherwise. */
export function progress(label: string): (done: number, total: number) => void {
  return (done, total) => {
    if (!process.stderr.isTTY) return;
    process.stderr.write(`\r${label} ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

/**
 * Resolves on Ctrl-C (or SIGTERM). Call it before printing that the command is running:
 * a signal sent as soon as that line is read must find the handler in place, or the
 * process dies of it instead of stopping cleanly.
 */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
