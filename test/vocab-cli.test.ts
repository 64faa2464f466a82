// `podagg query check`: ok lines for the examples, one line per problem otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryCheck } from '../cli/query-check.ts';

const example = (name: string): string => fileURLToPath(new URL(`../examples/queries/${name}.ttl`, import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await queryCheck(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('the examples check clean', async () => {
  const r = await run(['--now', '2026-01-01T00:00:00Z', example('mean-steps'), example('spending-histogram'), example('fl-vectorsum')]);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.deepEqual(r.err, []);
  assert.equal(r.out.length, 3);
  assert.match(r.out[0], /^ok: Mean daily steps of people over 50$/);
});

test('a broken query prints one line per problem and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podagg-check-'));
  const file = join(dir, 'broken.ttl');
  writeFileSync(file, readFileSync(example('mean-steps'), 'utf8').replace('pa:lower 0', 'pa:lower 60000').replace('pa:minContributors 20', 'pa:minContributors 0'));
  const r = await run([file]);
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 2, r.err.join('\n'));
  for (const line of r.err) assert.doesNotMatch(line, /\n|    at /);
  assert.ok(r.err.some((l) => /pa:lower: lower bound 60000 is not below upper bound 50000$/.test(l)));
});

test('a validated query checks clean (a VectorSum too); with the Threshold strategy it names why it cannot run', async () => {
  const ok = await run(['--now', '2026-01-01T00:00:00Z', example('validated-steps')]);
  assert.equal(ok.code, 0, ok.err.join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'podagg-check-'));
  const threshold = join(dir, 'threshold.ttl');
  writeFileSync(threshold, readFileSync(example('validated-steps'), 'utf8').replace('pa:validateContributions true ;', 'pa:validateContributions true ; pa:fixedParams [ pa:strategy pa:Threshold ] ;'));
  const r = await run(['--now', '2026-01-01T00:00:00Z', threshold]);
  assert.equal(r.code, 1);
  assert.match(r.err.join('\n'), /pa:fixedParams: validated contributions need additive sharing .* the Threshold strategy uses Shamir shares/);
  const vectors = join(dir, 'vectors.ttl');
  writeFileSync(vectors, readFileSync(example('fl-vectorsum'), 'utf8').replace(/(<> a pa:AggregationQuery ;)/, '$1 pa:validateContributions true ;'));
  const t = await run(['--now', '2026-01-01T00:00:00Z', vectors]);
  assert.equal(t.code, 0, `fl-vectorsum is a VectorSum, which Prio3 proves: ${t.err.join('\n')}`);
});

test('a deadline in the past fails the check', async () => {
  const r = await run(['--now', '2031-01-01T00:00:00Z', example('mean-steps')]);
  assert.equal(r.code, 1);
  assert.match(r.err[0], /pa:deadline: the deadline 2030-01-01T00:00:00Z is in the past$/);
});

test('--help, missing files and usage errors', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out[0], /^usage: podagg query check/);
  const missing = await run([join(tmpdir(), 'podagg-no-such-file.ttl')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err[0], /^cannot read .*: ENOENT$/);
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['--bogus', 'x'])).code, 2);
});
