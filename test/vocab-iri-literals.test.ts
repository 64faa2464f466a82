// The vocabulary is the single source of IRIs: no TypeScript file outside query-vocab/ may
// spell one in a string. Allowed: hosts reserved for examples and tests (RFC 2606/6761:
// *.example, example.com/org/net, *.test, *.invalid) and the loopback interface (local
// servers, pods in tests), and hosts computed at run time (`${…}`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'query-vocab', '.git', 'dist', '.podagg', 'test-output', '.scratch']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIP.has(name) || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return tsFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(name) ? [path] : [];
  });
}

const STRING = /(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
const URL_IN_STRING = /\bhttps?:\/\/([^/:'"`\s?#]*)/g;
const ALLOWED_HOST = /^(\$\{.*|localhost|127\.0\.0\.1|\[::1\]|(.+\.)?example(\.(com|org|net))?|.+\.(test|invalid|localhost)|)$/;

/** IRI-looking string literals with a host that is not allowed, as `file:line: literal`. */
export function findIriLiterals(source: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  source.split('\n').forEach((line, i) => {
    const code = line.trim();
    if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
    for (const [, , body] of line.matchAll(STRING)) {
      for (const [url, host] of body.matchAll(URL_IN_STRING)) {
        if (!ALLOWED_HOST.test(host)) found.push([i + 1, url]);
      }
    }
  });
  return found;
}

test('the scanner flags vocabulary IRIs and allows example and loopback hosts', () => {
  const scheme = 'https:' + '//';
  assert.equal(findIriLiterals(`const a = '${scheme}w3id.org/dpv#Purpose';`).length, 1);
  assert.equal(findIriLiterals(`const a = "${scheme}schema.org/";`).length, 1);
  assert.equal(findIriLiterals(`const a = '${scheme}alice.example/profile/card#me';`).length, 0);
  assert.equal(findIriLiterals(`const a = \`http://127.0.0.1:\${port}/\`;`).length, 0);
  assert.equal(findIriLiterals(`const a = \`${scheme}\${host}/x\`;`).length, 0);
  assert.equal(findIriLiterals(`// see ${scheme}www.w3.org/TR/`).length, 0);
});

test('no IRI literal outside query-vocab/', () => {
  const offenders = tsFiles(ROOT).flatMap((file) =>
    findIriLiterals(readFileSync(file, 'utf8')).map(([line, url]) => `${relative(ROOT, file)}:${line}: ${url}`),
  );
  assert.deepEqual(offenders, [], `import these from query-vocab/terms.ts instead:\n${offenders.join('\n')}`);
});
