// Validated contributions end to end: the same Count and Histogram query over the same pods
// and agents, unvalidated and validated (Prio3 proofs checked in every leaf), in turns, in
// the same run. Agents are isolated as in bench/e2e.ts. Sizes: PODAGG_BENCH_PODS (default 100).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDemo, type DemoOutcome } from '../demo/demo.ts';
import { freePorts } from '../harness/ports.ts';
import { median } from './median.ts';

const SERVERS = Number(process.env.PODAGG_BENCH_SERVERS ?? 1);
const PROCESSES = Number(process.env.PODAGG_BENCH_PROCESSES ?? 0);
const RUNS = 3;
const QUERY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'harness', 'fixtures', 'count-histogram.ttl');

/** The fixture with validated contributions, written beside the run's other files. */
function validatedCopy(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-validated-')), 'count-histogram-validated.ttl');
  writeFileSync(file, readFileSync(QUERY, 'utf8').replace('pa:expectedSelectivity 1 ;', 'pa:expectedSelectivity 1 ;\n  pa:validateContributions true ;'));
  return file;
}

function checked(o: DemoOutcome, what: string): number {
  if (!o.exact || !o.published) throw new Error(`${what}: no exact result (${o.abort ?? `${o.published?.contributors} of ${o.plain.contributors} contributors`})`);
  return o.seconds;
}

export default async function benchValidated(): Promise<string> {
  const sizes = (process.env.PODAGG_BENCH_PODS ?? '100').split(',').map(Number);
  const validated = validatedCopy();
  const lines = [
    '| pods | runs | contributors | unvalidated, s | validated, s | ratio | rejected |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const pods of sizes) {
    process.stderr.write(`bench validated: ${pods} pods\n`);
    const demo = await startDemo({ pods, port: await freePorts(SERVERS), servers: SERVERS, processes: PROCESSES, refusing: 0, collectMs: 120_000, agents: { isolated: true } });
    try {
      const plain: number[] = [];
      const proven: number[] = [];
      let contributors = 0;
      let rejected = 0;
      // In turns, so a drift of the machine's speed falls on both alike.
      for (let run = 0; run < RUNS; run++) {
        plain.push(checked(await demo.publish(QUERY, { strategy: 'SafeAndPrompt' }), 'unvalidated'));
        const o = await demo.publish(validated, { strategy: 'SafeAndPrompt' });
        proven.push(checked(o, 'validated'));
        contributors = o.published!.contributors;
        rejected = o.published!.rejected ?? 0;
      }
      lines.push(`| ${pods} | ${RUNS} + ${RUNS} | ${contributors} | ${median(plain).toFixed(1)} | ${median(proven).toFixed(1)} | ${(median(proven) / median(plain)).toFixed(2)}× | ${rejected} |`);
    } finally {
      await demo.stop();
    }
  }
  return [
    '## Validated contributions end to end',
    '',
    `\`PODAGG_BENCH_SERVERS=${SERVERS} PODAGG_BENCH_PROCESSES=${PROCESSES} npm run bench -- validated\` (sizes: \`PODAGG_BENCH_PODS=100\`). The same query (\`harness/fixtures/count-histogram.ttl\`: a Count and a 5-bin Histogram per person, every pod consents and matches) published without and with \`pa:validateContributions true\`, in turns, over the same pods and isolated agents, k = 3, SafeAndPrompt; median of the runs, publish → result document. Issue 14's target: validated within 1.5× of unvalidated.`,
    '',
    ...lines,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await benchValidated());
