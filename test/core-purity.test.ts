// agent/core/ is the sans-IO protocol: it must import nothing that does I/O, no Solid or
// RDF library, and never call fetch, so the same code runs over pods and in the simulator.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = path.join(root, 'agent', 'core');

const IO_MODULES = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'child_process', 'dns', 'readline', 'worker_threads'];
const FORBIDDEN_PACKAGES = /^(@inrupt\/|@solid\/|@comunica\/|n3$|sparqljs$|rdf-|express$|undici$|ws$|node-fetch$)/;
const ALLOWED_OUTSIDE = [path.join(root, 'query-vocab', 'types.ts')];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

// Static imports and re-exports, dynamic import() and require().
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function violations(file: string, source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may mention anything
  const found: string[] = [];
  for (const [, spec] of text.matchAll(SPECIFIER)) {
    const bare = spec.replace(/^node:/, '');
    if (IO_MODULES.includes(bare)) found.push(`imports ${spec}`);
    else if (FORBIDDEN_PACKAGES.test(spec)) found.push(`imports ${spec}`);
    else if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(core + path.sep) && !ALLOWED_OUTSIDE.includes(target)) found.push(`imports ${spec} from outside agent/core`);
    }
  }
  if (/\bfetch\s*\(|\bXMLHttpRequest\b|\bnew\s+WebSocket\b/.test(text)) found.push('does network I/O (fetch, XMLHttpRequest or WebSocket)');
  return found.map((v) => `${path.relative(root, file)} ${v}`);
}

test('agent/core imports no I/O module, no Solid or RDF library, and never fetches', () => {
  const files = sources(core);
  assert.ok(files.length > 0);
  assert.deepEqual(files.flatMap((f) => violations(f, readFileSync(f, 'utf8'))), []);
});

test('the purity check catches what it must', () => {
  const check = (text: string) => violations(path.join(core, 'probe.ts'), text);
  assert.equal(check("import { readFile } from 'node:fs/promises';").length, 1);
  assert.equal(check("import x from 'fs';").length, 1);
  assert.equal(check("export { get } from 'node:https';").length, 1);
  assert.equal(check("const s = await import('@inrupt/solid-client');").length, 1);
  assert.equal(check("import '../solid/session.ts';").length, 1);
  assert.equal(check('const r = await fetch(url);').length, 1);
  assert.equal(check("import { x25519 } from '@noble/curves/ed25519.js';\nimport type { Message } from '../../query-vocab/types.ts';").length, 0);
  assert.equal(check("// fetch(url) in a comment\nimport { createHash } from 'node:crypto';").length, 0);
});
