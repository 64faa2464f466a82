// The documentation is read from a clone: every relative Markdown link in it must name a
// file (or folder) of the repository, never one beside it (the README once pointed at
// ../shared/DESIGN.md, outside the repository) nor one only an install creates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Present in a working copy, absent from a clone. */
const NOT_IN_A_CLONE = new Set(['node_modules', '.podagg', '.git']);

function readmesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return readmesUnder(path);
    return e.name === 'README.md' ? [path] : [];
  });
}

function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join('docs', n));
  return ['README.md', 'SECURITY.md', 'BENCHMARKS.md', ...docs, join('query-vocab', 'README.md'), ...readmesUnder('examples')];
}

/** Link targets of a Markdown text, outside code: inline links, images and reference definitions. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** Why each relative link of `file` (a path from the root) does not name a file of the repository. */
export function brokenLinks(file: string, markdown: string, exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    // A URL with a scheme, or an anchor in the same document.
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const path = decodeURI(target.split('#')[0]);
    const absolute = path.startsWith('/') ? join(ROOT, path) : resolve(ROOT, dirname(file), path);
    const inside = relative(ROOT, absolute);
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) problems.push(`${file}: ${target} leaves the repository`);
    else if (NOT_IN_A_CLONE.has(inside.split(sep)[0])) problems.push(`${file}: ${target} is not part of the repository`);
    else if (!exists(absolute)) problems.push(`${file}: ${target} does not exist`);
  }
  return problems;
}

test('every relative link of the documentation names a file of the repository', () => {
  const files = documents();
  assert.ok(files.includes(join('docs', 'design.md')), 'docs/design.md is missing');
  const problems = files.flatMap((f) => brokenLinks(f, readFileSync(join(ROOT, f), 'utf8'), existsSync));
  assert.deepEqual(problems, []);
});

test('the check refuses a link out of the repository, a missing file and node_modules, not code or URLs', () => {
  const everything = () => true;
  assert.deepEqual(brokenLinks('README.md', 'in [`../shared/DESIGN.md`](../shared/DESIGN.md) (the design)', everything), [
    'README.md: ../shared/DESIGN.md leaves the repository',
  ]);
  assert.deepEqual(brokenLinks('docs/design.md', '[x](../../elsewhere.md) [y](../README.md#roles)', everything), [
    'docs/design.md: ../../elsewhere.md leaves the repository',
  ]);
  assert.deepEqual(brokenLinks('README.md', '[gone](docs/gone.md)\n[dep]: node_modules/n3/README.md', () => false), [
    'README.md: docs/gone.md does not exist',
    'README.md: node_modules/n3/README.md is not part of the repository',
  ]);
  const ignored = '`[a](../code.md)`\n```sh\n[b](../block.md)\n```\n[c](mailto:someone) [d](#flow)';
  assert.deepEqual(brokenLinks('README.md', ignored, () => false), []);
});
