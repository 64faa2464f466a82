// Simulator speed: simulated events per second and wall time for trees of depth 3, 4 and
// 5 (fanout 8, k 5, HighCompleteness, no failures, one contributor per leaf slot as in
// the paper), and peak memory per simulated node. Each run is its own process, so its
// peak RSS is its own; the peak of a process that only loads the simulator is subtracted.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from './median.ts';

const run = promisify(execFile);
const SIMULATE = fileURLToPath(new URL('../cli/simulate.ts', import.meta.url));
const DEPTHS: Array<{ depth: number; repeats: number }> = [
  { depth: 3, repeats: 5 },
  { depth: 4, repeats: 3 },
  { depth: 5, repeats: 1 },
];

interface Measure {
  events: number;
  wallS: number;
  peakMB: number;
}

/** One `podagg simulate` in a fresh process; its summary line on stderr is parsed. */
async function simulateOnce(args: string[]): Promise<Measure> {
  const script = `const { simulate } = await import(${JSON.stringify(SIMULATE)}); process.exitCode = await simulate(JSON.parse(process.argv[1]));`;
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(args)], {
    maxBuffer: 1 << 26,
  });
  const m = /(\d+) events in ([\d.]+) s .* peak RSS (\d+) MB/.exec(stderr);
  if (!m) throw new Error(`no summary line from simulate: ${stderr.slice(-500)}`);
  return { events: Number(m[1]), wallS: Number(m[2]), peakMB: Number(m[3]) };
}


function nodesOf(depth: number): { contributors: number; aggregators: number; population: number } {
  let groups = 0;
  for (let l = 0; l < depth; l++) groups += 8 ** l;
  const contributors = 8 ** depth;
  return { contributors, aggregators: groups * 5, population: Math.max(contributors, Math.ceil(groups * 5 * 1.2) + 1) };
}

export default async function (): Promise<string> {
  const flags = (depth: number) => ['--depth', String(depth), '--fanout', '8', '--group-size', '5', '--strategy', 'HighCompleteness', '--out', '/dev/null'];
  // A one-group run: the process's footprint before any sizeable simulation.
  const base = await simulateOnce(['--depth', '1', '--fanout', '1', '--group-size', '5', '--population', '20', '--out', '/dev/null']);
  const lines = [
    '## Simulator',
    '',
    'Command: `npm run bench -- sim`. Fanout 8, k 5, HighCompleteness, no failures, vector 1024 (modelled), 33 ms latency, ' +
      '10 ms per crypto operation, stand-in crypto that charges the modelled cost. Each run is a fresh process; wall time and ' +
      `events/s are medians over the runs shown (depth 5: one run, it takes a while). Memory per node is (peak RSS − ${base.peakMB} MB ` +
      'of a process that only loads the simulator) / population.',
    '',
    '| depth | contributors | aggregators | population | runs | events | wall time | events/s | peak RSS | memory per node |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { depth, repeats } of DEPTHS) {
    const ms: Measure[] = [];
    for (let i = 0; i < repeats; i++) ms.push(await simulateOnce(flags(depth)));
    const n = nodesOf(depth);
    const wall = median(ms.map((m) => m.wallS));
    const rate = median(ms.map((m) => m.events / m.wallS));
    const peak = median(ms.map((m) => m.peakMB));
    const perNodeKB = ((peak - base.peakMB) * 1024) / n.population;
    lines.push(
      `| ${depth} | ${n.contributors} | ${n.aggregators} | ${n.population} | ${repeats} | ${ms[0].events} | ${wall.toFixed(2)} s | ` +
        `${Math.round(rate)} | ${peak} MB | ${perNodeKB.toFixed(1)} KB |`,
    );
  }
  return lines.join('\n');
}
