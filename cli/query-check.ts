// `podagg query check FILE…`: validates query files offline — shapes, SPARQL checks, deadline —
// printing every problem on its own line.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VocabError, checkQuery, parseQuery } from '../query-vocab/index.ts';
import { validationProblems } from '../agent/core/circuits.ts';
import { releaseProblems } from '../agent/core/dp-release.ts';
import { UsageError, parse, usageLine } from './args.ts';

const HELP = `usage: podagg query check [options] FILE...

Validates aggregation query files (Turtle) without any network access: the SHACL shapes,
the SPARQL selection (a SELECT, no SERVICE, no UPDATE, binds every aggregate variable),
bounds, bins, the deadline; for a differentially private query, that its sensitivity
can be derived and its strategy releases each root sum once; for a query with validated
contributions, that each aggregate has a Prio3 circuit and its strategy shares additively. Prints each problem on one
line, or "ok: <title>".

options:
  --now ISO         check the deadline against this instant instead of the current time
  --scope IRI       a data scope container; FROM/FROM NAMED outside it is an error (repeatable)
  -h, --help        show this help
exit status: 0 when every file is clean, 1 otherwise, 2 on a usage error`;

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const console_: Output = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function queryCheck(args: string[], io: Output = console_): Promise<number> {
  let options;
  try {
    options = parseOptions(args);
  } catch (error) {
    // Tests call this without main: report as main would.
    if (!(error instanceof UsageError)) throw error;
    io.err(usageLine(error, 'query check'));
    return 2;
  }
  if (options === 'help') {
    io.out(HELP);
    return 0;
  }
  const { files, now, scope } = options;
  let clean = true;
  for (const file of files) {
    const problems = await checkFile(file, now, scope, io);
    if (problems.length > 0) {
      clean = false;
      problems.forEach((p) => io.err(files.length > 1 ? `${file}: ${p}` : p));
    }
  }
  return clean ? 0 : 1;
}

async function checkFile(file: string, now: Date, scope: string[], io: Output): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return [`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`];
  }
  try {
    const query = parseQuery(text, pathToFileURL(resolve(file)).href);
    const problems = [...checkQuery(query, { now, dataScope: scope.length > 0 ? scope : undefined }), ...releaseProblems(query), ...validationProblems(query)];
    if (problems.length === 0) io.out(`ok: ${query.title}`);
    return problems;
  } catch (e) {
    if (e instanceof VocabError) return [...e.problems];
    return [`${file}: ${(e as Error).message}`];
  }
}

function parseOptions(args: string[]): 'help' | { files: string[]; now: Date; scope: string[] } {
  const { values, positionals } = parse(args, { now: { type: 'string' }, scope: { type: 'string', multiple: true } }, { positionals: ['FILE…'] });
  if (values.help) return 'help';
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now))) throw new UsageError(`--now ${values.now} is not a date-time`);
  return { files: positionals, now: values.now === undefined ? new Date() : new Date(values.now), scope: values.scope ?? [] };
}
