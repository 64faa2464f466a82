// Data discovery against a real Community Solid Server: a consent scope naming an RDF class
// resolves through the owner's type indexes (the public one linked from the profile, or the
// private one linked from the preferences file) to documents. The consent decision lists
// them, and the selection reads nothing else: the server's request log shows no other read,
// and a document of the class that no index registers (which would change the result) is
// left out. A scope naming what is not there is refused by `consent set`, and found only at
// query time it is logged as "scope missing", never "consent given". The query's population
// and sample variances are checked exactly against the same statistics computed here from
// the steps, by the two-pass definition rather than podagg's sums of squares.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Parser } from 'n3';
import { documentOf, n3Patch, type AggregateValue } from '../query-vocab/index.ts';
import { EX, PIM, RDF, SOLID } from '../query-vocab/terms.ts';
import { TurtleDoc, iri, num } from '../query-vocab/write.ts';
import type { Credential } from '../agent/solid/credentials.ts';
import { readConsentLog, readPolicy, writePolicy } from '../agent/solid/consent-store.ts';
import type { RunEvent } from '../agent/solid/events.ts';
import { DataFactory } from 'n3';
import { patchN3, putTurtle } from '../agent/solid/pod.ts';
import { startDemo, type Demo } from '../demo/demo.ts';
import { readRequestLog } from '../solid-server/request-log.ts';
import { freePorts } from '../harness/ports.ts';
import { LONG_COLLECT_MS } from './helpers/collect-window.ts';
import { runCli } from './helpers/cli.ts';

const PODS = 5;
const QUERY = path.join(import.meta.dirname, 'fixtures', 'steps-total.ttl');
let demo: Demo;
let requestLog: string;
/** Each WebID's documents registered for pa-ex:DailyActivity, and the steps they hold. */
const registered = new Map<string, { documents: string[]; steps: number[] }>();

before(async () => {
  requestLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'podagg-scope-')), 'requests.jsonl');
  demo = await startDemo({ pods: PODS, port: await freePorts(), refusing: 0, requestLog, collectMs: LONG_COLLECT_MS });
  await Promise.all(demo.credentials.map((c, i) => registerActivity(c, i)));
});
after(async () => demo?.stop());

/**
 * Even pods register data/activity in a public type index; odd ones register a health/
 * container (holding the same days) in a private index found through the preferences file,
 * and keep data/activity unregistered. Every pod also holds data/unregistered: days no
 * index names, which would raise both the sum and the count if read.
 */
async function registerActivity(c: Credential, i: number): Promise<void> {
  const { fetch } = demo.host.get(c.webId).session;
  const at = (p: string) => new URL(p, c.podUrl).href;
  const activity = demo.people[i].documents['data/activity'];
  const stray = iri(`${at('data/unregistered')}#day`);
  await putTurtle(fetch, at('data/unregistered'), new TurtleDoc().add(stray, RDF.type, iri(EX.DailyActivity)).add(stray, EX.steps, num(40_000)).toString());
  const registration = (index: string, link: string, target: string, other?: [string, string]) => {
    const doc = new TurtleDoc().add(iri(index), RDF.type, iri(SOLID.TypeIndex));
    const entry = iri(`${index}#activity`);
    doc.add(entry, RDF.type, iri(SOLID.TypeRegistration)).add(entry, SOLID.forClass, iri(EX.DailyActivity)).add(entry, link, iri(target));
    if (other) {
      const bank = iri(`${index}#bank`);
      doc.add(bank, RDF.type, iri(SOLID.TypeRegistration)).add(bank, SOLID.forClass, iri(other[0])).add(bank, SOLID.instance, iri(other[1]));
    }
    return doc.toString();
  };
  const { namedNode, quad } = DataFactory;
  const link = (p: string, o: string) => patchN3(fetch, documentOf(c.webId), n3Patch([], [quad(namedNode(c.webId), namedNode(p), namedNode(o))]));
  if (i % 2 === 0) {
    const index = at('settings/publicTypeIndex');
    await putTurtle(fetch, index, registration(index, SOLID.instance, at('data/activity'), [EX.BankOperation, at('data/bank')]));
    await link(SOLID.publicTypeIndex, index);
    registered.set(c.webId, { documents: [at('data/activity')], steps: stepsIn(activity) });
  } else {
    const [index, prefs] = [at('settings/privateTypeIndex'), at('settings/prefs')];
    await putTurtle(fetch, at('health/days'), activity);
    await putTurtle(fetch, index, registration(index, SOLID.instanceContainer, at('health/')));
    await putTurtle(fetch, prefs, new TurtleDoc().add(iri(c.webId), SOLID.privateTypeIndex, iri(index)).toString());
    await link(PIM.preferencesFile, prefs);
    registered.set(c.webId, { documents: [at('health/days')], steps: stepsIn(activity) });
  }
}

/**
 * Sum, count, population and sample variance of the steps, in the fixture's order. The
 * squared deviations are summed exactly (scaled by n, in BigInt): Σ(n·x − Σx)² / n² is
 * Σ(x − mean)², so each variance is one correctly rounded division, as podagg's is.
 */
function expectedValues(steps: number[]): AggregateValue[] {
  const n = BigInt(steps.length);
  const total = steps.reduce((s, x) => s + BigInt(x), 0n);
  const deviations = steps.reduce((s, x) => s + (n * BigInt(x) - total) ** 2n, 0n);
  const scalar = (value: number): AggregateValue => ({ kind: 'scalar', value });
  return [scalar(Number(total)), scalar(steps.length), scalar(Number(deviations) / Number(n * n * n)), scalar(Number(deviations) / Number(n * n * (n - 1n)))];
}

/** The step counts of a document, read independently of podagg's evaluation. */
function stepsIn(turtle: string): number[] {
  return new Parser().parse(turtle).filter((q) => q.predicate.value === EX.steps).map((q) => Number(q.object.value));
}

const consentSet = (...args: string[]) =>
  runCli(['consent', 'set', '--credentials', demo.credentialsFile, '--purposes', 'ResearchAndDevelopment', '--min-group-size', '2', '--min-contributors', '2', ...args], 60_000);

test('consent by class: the query counts exactly the registered documents, the decision lists them, nothing else is read', async () => {
  const set = await consentSet('--all', '--scope-class', 'pa-ex:DailyActivity');
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout.match(/its scope holds 1 documents now/g)?.length, PODS, set.stdout);
  const started = Date.now();
  const o = await demo.publish(QUERY, { strategy: 'SafeAndPrompt' });
  const ended = Date.now();
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  const all = [...registered.values()].flatMap((r) => r.steps);
  assert.equal(o.published?.contributors, PODS);
  assert.deepEqual(o.published?.values.map((v) => v.kind), ['Sum', 'Count', 'Variance', 'SampleVariance']);
  assert.deepEqual(o.published?.values.map((v) => v.value), expectedValues(all));

  for (const c of demo.credentials) {
    const log = await readConsentLog(demo.host.get(c.webId).session.fetch, c.podUrl);
    const decision = log.find((d) => d.query === o.query);
    assert.equal(decision?.accepted, true, decision?.reason);
    assert.deepEqual(decision.documents, registered.get(c.webId)!.documents);
  }

  // What the server was asked for under the data folders while the query ran: the registered
  // documents (and the registered container's listing), nothing else.
  const allowed = new Set([...registered.values()].flatMap((r) => r.documents.map((d) => [d, new URL('./', d).href]).flat()));
  const reads = readRequestLog(requestLog).filter((r) => r.at >= started && r.at <= ended && /^\/[^/]+\/(data|health)\//.test(new URL(r.url).pathname));
  assert.deepEqual(reads.filter((r) => !allowed.has(r.url)).map((r) => `${r.method} ${r.url}`), []);
  for (const { documents } of registered.values()) assert.ok(reads.some((r) => r.method === 'GET' && r.url === documents[0]), `${documents[0]} was not read`);
  // A document found through its registered container's listing (health/) is read once,
  // with no look beforehand: the listing already says it is there.
  const listed = [...registered.values()].flatMap((r) => r.documents).filter((d) => new URL(d).pathname.includes('/health/'));
  assert.ok(listed.length > 0);
  for (const d of listed) assert.deepEqual(reads.filter((r) => r.url === d).map((r) => r.method), ['GET'], d);
});

test('consent set refuses a class no type index registers and a container that does not exist, and writes nothing', async () => {
  const owner = demo.credentials[2];
  const before = await readPolicy(demo.host.get(owner.webId).session.fetch, owner.podUrl);
  const unregistered = await consentSet('--webid', owner.webId, '--scope-class', 'pa-ex:BankAccount');
  assert.equal(unregistered.code, 1);
  assert.match(unregistered.stderr, /^podagg: .* scope missing: no type index of .* registers pa-ex:BankAccount .*no policy was written\n$/);
  const missing = new URL('health/sleep/', owner.podUrl).href;
  const absent = await consentSet('--webid', owner.webId, '--scope', missing);
  assert.equal(absent.code, 1);
  assert.ok(absent.stderr.includes(`scope missing: container ${missing} does not exist`), absent.stderr);
  assert.deepEqual(await readPolicy(demo.host.get(owner.webId).session.fetch, owner.podUrl), before);
});

test('a scope found missing only at query time is logged as "scope missing", never "consent given", and the others still count', async () => {
  const owner = demo.credentials[3];
  const { fetch } = demo.host.get(owner.webId).session;
  const policy = (await readPolicy(fetch, owner.podUrl))!;
  // Written past `consent set`'s check, as a container deleted after consent was set would be.
  await writePolicy(fetch, owner.podUrl, { ...policy, dataScope: [new URL('health/sleep/', owner.podUrl).href], dataClasses: [] });
  const events: RunEvent[] = [];
  const listener = (e: RunEvent) => void (e.webId === owner.webId && e.kind === 'consent' && events.push(e));
  demo.host.journal.on('event', listener);
  const o = await demo.publish(QUERY, { strategy: 'SafeAndPrompt' });
  demo.host.journal.off('event', listener);
  assert.equal(o.abort, undefined, `aborted: ${o.abort}`);
  const mine = events.filter((e) => e.query === o.query);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].accepted, false);
  assert.match(mine[0].text, /^scope missing: container .*health\/sleep\/ does not exist$/);
  const decision = (await readConsentLog(fetch, owner.podUrl)).find((d) => d.query === o.query);
  assert.equal(decision?.accepted, false);
  assert.match(decision.reason, /^scope missing: /);
  assert.deepEqual(decision.documents, []);
  const others = [...registered].filter(([webId]) => webId !== owner.webId).flatMap(([, r]) => r.steps);
  assert.equal(o.published?.contributors, PODS - 1);
  assert.deepEqual(o.published?.values.map((v) => v.value), expectedValues(others));
});
