// Dependencies flow one way: cli → the server parts (solid-server, dashboard, demo) → agent →
// query-vocab. Every .ts/.js file's imports (static, re-exports, dynamic import(), and
// `new URL('…', import.meta.url)` such as worker entries) are checked against the rules below.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'test-output', 'dist']);

type Area =
  | 'query-vocab' | 'agent/core' | 'agent/solid' | 'agent/sim'
  | 'solid-server' | 'dashboard' | 'dashboard/static' | 'demo'
  | 'cli' | 'bin' | 'examples' | 'bench' | 'harness' | 'test';

const AGENT: Area[] = ['agent/core', 'agent/solid', 'agent/sim'];
const SERVER_PARTS: Area[] = ['solid-server', 'dashboard', 'dashboard/static', 'demo'];
const PRODUCT: Area[] = ['query-vocab', ...AGENT, ...SERVER_PARTS, 'cli', 'bin'];

/** What each folder may import besides itself, and the rule as a violation names it. */
const RULES: Record<Area, { may: Area[]; rule: string }> = {
  'query-vocab': { may: [], rule: 'query-vocab/ imports no other project folder' },
  'agent/core': { may: ['query-vocab'], rule: 'agent/core/ imports only query-vocab/' },
  'agent/solid': { may: ['agent/core', 'query-vocab'], rule: 'agent/solid/ imports only agent/core/, agent/solid/ and query-vocab/ (through query-vocab/index.ts)' },
  'agent/sim': { may: ['agent/core', 'query-vocab'], rule: 'agent/sim/ imports only agent/core/, agent/sim/ and query-vocab/' },
  'solid-server': { may: ['query-vocab', ...AGENT, ...SERVER_PARTS], rule: 'solid-server/ imports only agent/, query-vocab/, dashboard/ and demo/' },
  dashboard: { may: ['query-vocab', ...AGENT, ...SERVER_PARTS], rule: 'dashboard/ imports only agent/, query-vocab/, solid-server/ and demo/' },
  'dashboard/static': { may: [], rule: 'dashboard/static/ (the browser app) imports only dashboard/static/' },
  demo: { may: ['query-vocab', ...AGENT, ...SERVER_PARTS], rule: 'demo/ imports only agent/, query-vocab/, solid-server/ and dashboard/' },
  cli: { may: ['query-vocab', ...AGENT, ...SERVER_PARTS], rule: 'cli/ imports only the product (never examples/, test/, bench/, harness/)' },
  bin: { may: PRODUCT, rule: 'bin/ imports only the product' },
  examples: { may: [...PRODUCT, 'harness'], rule: 'examples/ imports only the product and harness/ (never test/ or bench/)' },
  bench: { may: [...PRODUCT, 'harness', 'examples'], rule: 'bench/ imports only the product, harness/ and examples/ (never test/)' },
  harness: { may: [...PRODUCT, 'examples'], rule: 'harness/ never imports test/ or bench/' },
  test: { may: [...PRODUCT, 'examples', 'bench', 'harness'], rule: 'test/ may import anything' },
};
/** Tests may also read any path of the repository (its root, test-output/). */
const ANYWHERE: Area[] = ['test'];
const VOCAB_INDEX = path.join(ROOT, 'query-vocab', 'index.ts');
/** Within cli/, only the commands that serve the dashboard import it (`query publish` must not). */
const DASHBOARD_COMMANDS = ['cli/serve.ts', 'cli/demo.ts'];

/** The folder a repository path (relative, with /) belongs to; undefined outside every rule. */
export function areaOf(rel: string): Area | undefined {
  const parts = rel.split('/');
  if (parts[0] === 'agent') return ['core', 'solid', 'sim'].includes(parts[1]) ? (`agent/${parts[1]}` as Area) : undefined;
  if (parts[0] === 'dashboard' && parts[1] === 'static') return 'dashboard/static';
  return Object.hasOwn(RULES, parts[0]) ? (parts[0] as Area) : undefined;
}

export interface Import { line: number; spec: string }

/** Relative imports of one source: static and re-exports, side-effect, dynamic, require, `new URL(…, import.meta.url)`. */
export function importsOf(source: string): Import[] {
  // Whole-line comments may mention anything; blank them but keep the line count.
  const text = source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((l) => (l.trimStart().startsWith('//') ? '' : l))
    .join('\n');
  const patterns = [
    /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
    /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm,
    /\bimport\s*\(\s*(['"`])([^'"`$\n]+)\1\s*\)/g,
    /\brequire\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
    // A template literal counts by its fixed start: `css/${name}.json` is in css/.
    /\bnew\s+URL\s*\(\s*(['"`])([^'"`$\n]*)(?:\$\{[^`\n]*)?\1\s*,\s*import\.meta\.url\s*\)/g,
  ];
  const found: Import[] = [];
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) {
      const spec = m[2];
      if (!spec.startsWith('.')) continue; // packages and node: built-ins are not project folders
      found.push({ line: text.slice(0, m.index).split('\n').length, spec });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Violations of one file (absolute path) with the given source, as `file:line: …`. */
export function violations(file: string, source: string): string[] {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  const from = areaOf(rel);
  if (!from) return [`${rel}: lies in a folder without an import rule (add one to test/imports.test.ts)`];
  const { may, rule } = RULES[from];
  const out: string[] = [];
  for (const { line, spec } of importsOf(source)) {
    const target = path.resolve(path.dirname(file), spec);
    const targetRel = path.relative(ROOT, target).split(path.sep).join('/');
    const to = areaOf(targetRel);
    const where = `${rel}:${line}: imports '${spec}' (${targetRel || '.'})`;
    if (to === from || ANYWHERE.includes(from)) continue;
    if (!to || !may.includes(to)) out.push(`${where} — rule: ${rule}`);
    else if (from === 'agent/solid' && to === 'query-vocab' && target !== VOCAB_INDEX) {
      out.push(`${where} — rule: agent/solid/ imports query-vocab/ only through query-vocab/index.ts`);
    } else if (from === 'cli' && to === 'dashboard' && !DASHBOARD_COMMANDS.includes(rel)) {
      out.push(`${where} — rule: in cli/ only ${DASHBOARD_COMMANDS.join(' and ')} import dashboard/`);
    }
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name) || e.name.startsWith('.')) return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.(ts|mts|cts|js|mjs)$/.test(e.name) && dir !== ROOT ? [full] : [];
  });
}

test('every import in the repository follows the direction of the layers', () => {
  const files = sources(ROOT);
  assert.ok(files.length > 100, `found only ${files.length} source files`);
  const count = files.reduce((n, f) => n + importsOf(readFileSync(f, 'utf8')).length, 0);
  assert.ok(count > 500, `found only ${count} relative imports: the parser misses some`);
  const found = files.flatMap((f) => violations(f, readFileSync(f, 'utf8')));
  assert.deepEqual(found, [], `imports against the direction:\n${found.join('\n')}`);
});

test('every relative import and import.meta.url path points at something that exists', () => {
  const self = fileURLToPath(import.meta.url); // its probes below name made-up files
  const missing = sources(ROOT).filter((f) => f !== self).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8'))
      .map(({ line, spec }) => ({ line, spec, target: path.resolve(path.dirname(file), spec) }))
      .filter(({ target }) => !existsSync(target) && !path.relative(ROOT, target).startsWith('test-output'))
      .map(({ line, spec }) => `${path.relative(ROOT, file)}:${line}: '${spec}' does not exist`),
  );
  assert.deepEqual(missing, []);
});

test('the import check catches what it must', () => {
  const at = (rel: string, text: string) => violations(path.join(ROOT, rel), text);
  const one = (rel: string, text: string, rule: RegExp) => {
    const v = at(rel, text);
    assert.equal(v.length, 1, `${rel}: ${text} → ${v.join('; ')}`);
    assert.match(v[0], rule);
    assert.ok(v[0].startsWith(rel), v[0]);
  };
  one('agent/solid/x.ts', "import type { Credential } from '../../solid-server/accounts.ts';", /agent\/solid\/ imports only/);
  one('agent/solid/x.ts', "import { SOLID } from '../../query-vocab/terms.ts';", /only through query-vocab\/index\.ts/);
  one('agent/core/x.ts', "const m = await import('../solid/pod.ts');", /agent\/core\/ imports only query-vocab/);
  one('agent/sim/x.ts', "export { x } from '../solid/pod.ts';", /agent\/sim\//);
  one('query-vocab/x.ts', "import {\n  a,\n  b,\n} from '../agent/core/ring.ts';", /query-vocab\/ imports no other/);
  one('cli/demo.ts', "import { startDashboard } from '../dashboard/dashboard.ts';\nimport { startDemo } from '../examples/demo.ts';", /cli\/ imports only the product/);
  one('cli/x.ts', "import { freePorts } from '../harness/ports.ts';", /cli\//);
  one('cli/query.ts', "import { countEvents } from '../dashboard/run-state.ts';", /only cli\/serve\.ts and cli\/demo\.ts import dashboard/);
  one('dashboard/x.ts', "const w = new URL('../test/helpers/cli.ts', import.meta.url);", /dashboard\//);
  one('solid-server/x.ts', "const c = new URL(`../bench/${name}.json`, import.meta.url);", /solid-server\//);
  one('demo/x.ts', "import '../examples/paper-grid/reproduce.ts';", /demo\//);
  one('bench/x.ts', "import { x } from '../test/helpers/journal.ts';", /bench\//);
  one('harness/x.ts', "import { x } from '../bench/run.ts';", /harness\//);
  one('examples/x.ts', "import { x } from '../test/helpers/cli.ts';", /examples\//);
  one('dashboard/static/x.js', "import { x } from '../api.ts';", /browser app/);
  one('scratch/x.ts', '', /without an import rule/);
  one('examples/x.ts', "const root = new URL('..', import.meta.url);", /examples\//);
  assert.deepEqual(at('agent/solid/x.ts', "import { parseQuery } from '../../query-vocab/index.ts';\nimport { Run } from '../core/protocol.ts';"), []);
  assert.deepEqual(at('agent/core/x.ts', "import type { Message } from '../../query-vocab/types.ts';\n// import { x } from '../solid/pod.ts';"), []);
  assert.deepEqual(at('cli/serve.ts', "import { startDemo } from '../demo/demo.ts';\nimport { startDashboard } from '../dashboard/dashboard.ts';\nimport { n3 } from 'n3';"), []);
  assert.deepEqual(at('bench/x.ts', "import { freePorts } from '../harness/ports.ts';\nimport { run } from '../examples/paper-grid/reproduce.ts';"), []);
  assert.deepEqual(at('examples/x.ts', "import { startDemo } from '../demo/demo.ts';"), []);
});
