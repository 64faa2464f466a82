// npm run bench: runs every benchmark section and writes BENCHMARKS.md.
// `npm run bench -- core sim` reruns only the named sections and keeps the others.

import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';

type Section = () => Promise<string>;

const SECTIONS: Record<string, () => Promise<Section>> = {
  pods: async () => (await import('./pods.ts')).default,
  solid: async () => (await import('./solid.ts')).default,
  core: async () => (await import('./core.ts')).benchCore,
  train: async () => (await import('./train.ts')).default,
  e2e: async () => (await import('./e2e.ts')).default,
  load: async () => (await import('./load.ts')).default,
  sim: async () => (await import('./sim.ts')).default,
  dp: async () => (await import('./dp.ts')).default,
  validated: async () => (await import('./validated.ts')).default,
  validity: async () => (await import('./validity.ts')).default,
};

const FILE = 'BENCHMARKS.md';
const marker = (name: string) => `<!-- section:${name} -->`;

const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in SECTIONS));
if (unknown.length) {
  console.error(`bench: unknown section ${unknown.join(', ')}; sections are ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}
const names = asked.length ? asked : Object.keys(SECTIONS);
const previous = await readFile(FILE, 'utf8').catch(() => '');
const sections = new Map<string, string>();
for (const name of Object.keys(SECTIONS)) {
  const start = previous.indexOf(marker(name));
  if (start < 0) continue;
  const end = previous.indexOf('<!-- section:', start + 1);
  sections.set(name, previous.slice(start + marker(name).length, end < 0 ? undefined : end).trim());
}
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  const started = Date.now();
  sections.set(name, (await (await SECTIONS[name]())()).trim());
  process.stderr.write(`bench: ${name} took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
const header = [
  '# podagg benchmarks',
  '',
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
    `Every table comes from \`npm run bench\` (\`npm run bench -- <section>\` reruns one of: ${Object.keys(SECTIONS).join(', ')}).`,
  '',
];
const body = Object.keys(SECTIONS).flatMap((name) => (sections.has(name) ? [marker(name), sections.get(name)!, ''] : []));
await writeFile(FILE, [...header, ...body].join('\n'));
process.stderr.write(`bench: wrote ${FILE}\n`);
