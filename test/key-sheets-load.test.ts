// An agent reads the key sheets its roles need from the querier's pod and takes no pin
// from one that is not the plan's: a sheet that does not match its digest, one that leaves
// out a WebID it should pin, and two sheets, each matching its digest, that pin different
// keys for the same backup (a querier equivocating between the peers of one agent).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sheetDigest, sheetsFor } from '../agent/core/key-sheets.ts';
import { buildPlan } from '../agent/core/sortition.ts';
import { topology } from '../agent/core/topology.ts';
import { putTurtle } from '../agent/solid/pod.ts';
import { keySheets, loadPins } from '../agent/solid/run-keys.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { serializeKeySheet, type AggregationPlan, type AggregationQuery, type KeySheet, type PinnedPeer, type SheetScope } from '../query-vocab/index.ts';
import { createAccount } from '../solid-server/accounts.ts';
import { startSolidServer, type SolidServer } from '../solid-server/solid-server.ts';
import { freePorts } from '../harness/ports.ts';

let server: SolidServer;
let session: AgentSession;
let folder: string;

before(async () => {
  server = await startSolidServer({ port: await freePorts(1) });
  const credential = await createAccount(server.baseUrl, 'querier', 'querier-password-1');
  session = await login(credential);
  folder = `${credential.podUrl}sheets/`;
});

after(async () => {
  await session?.logout();
  await server?.stop();
});

const people = Array.from({ length: 60 }, (_, i) => `https://pod${i}.example/profile/card#me`);
const pin = (i: number): PinnedPeer => ({ x25519: new Uint8Array(32).fill(i % 256), ed25519: new Uint8Array(32).fill((i + 1) % 256), inbox: `https://pod${i}.example/inbox/` });

/** A plan with backups over 60 WebIDs, its sheets written to the pod as the querier publishes them. */
async function published(name: string, doctor: (sheets: KeySheet[], plan: AggregationPlan) => void = () => undefined) {
  const plan = buildPlan({
    id: `${folder}${name}-plan`, query: `${folder}${name}#it`, nonce: 'ab12cd34ef56ab78', population: people,
    params: { depth: 2, fanout: 4, groupSize: 3, threshold: 3, strategy: 'SafeAndPrompt', backupRatio: 0.4, timeouts: { collectMs: 1, syncMs: 1, childMs: 1 } },
  });
  const querier = people[0];
  const sheets = keySheets(plan, querier, Object.fromEntries(people.map((w, i) => [w, pin(i)])));
  doctor(sheets, plan);
  for (const sheet of sheets) await putTurtle(session.fetch, sheet.id, serializeKeySheet(sheet));
  const query = { id: plan.query, querier } as AggregationQuery;
  return { plan, query };
}

let current = new Map<string, KeySheet>();
const sheetOf = (s: SheetScope) => current.get(`${s.kind} ${s.group}`)!;

/** An aggregator that reads two sheets pinning the same backup, and that backup. */
function sharedBackup(plan: AggregationPlan) {
  const topo = topology(plan);
  for (const reader of plan.groups.flatMap((g) => g.members)) {
    const scopes = sheetsFor(topo, people[0], reader);
    for (const backup of plan.backups) {
      const holding = scopes.filter((s) => sheetOf(s).runKeys[backup] !== undefined);
      if (holding.length >= 2) return { reader, backup, scopes: holding };
    }
  }
  throw new Error('no aggregator reads two sheets pinning one backup');
}

test('an aggregator takes the pins of every sheet its roles need, and those only', async () => {
  const { plan, query } = await published('honest', (sheets) => (current = new Map(sheets.map((k) => [`${k.kind} ${k.group}`, k]))));
  const reader = plan.groups[1].members[0];
  const pins = await loadPins(session.fetch, query, plan, reader);
  const expected = new Set(sheetsFor(topology(plan), query.querier, reader).flatMap((s) => Object.keys(sheetOf(s).runKeys)));
  expected.add(query.querier);
  assert.deepEqual(Object.keys(pins).sort(), [...expected].sort());
  assert.ok(Object.keys(pins).length < people.length, 'it read every pin');
});

test('a sheet changed after the plan was written is refused by its digest', async () => {
  const { plan, query } = await published('changed', (sheets) => {
    const zone = sheets.find((k) => k.kind === 'zone')!;
    const w = Object.keys(zone.runKeys)[0];
    zone.runKeys[w] = { ...zone.runKeys[w], inbox: 'https://evil.example/inbox/' };
  });
  const member = Object.keys(plan.zones).find((w) => plan.zones[w] === plan.keySheets!.find((k) => k.kind === 'zone')!.group)!;
  await assert.rejects(loadPins(session.fetch, query, plan, member), /key sheet .* does not match the digest the plan gives it/);
});

test('a sheet that leaves out a WebID it should pin is refused, naming it', async () => {
  let left = '';
  let leaf = '';
  const { plan, query } = await published('short', (sheets, p) => {
    const zone = sheets.find((k) => k.kind === 'zone')!;
    leaf = zone.group;
    left = Object.keys(zone.runKeys).at(-1)!;
    delete zone.runKeys[left];
    p.keySheets = p.keySheets!.map((ref) => (ref.sheet === zone.id ? { ...ref, sha256: sheetDigest(zone.runKeys) } : ref));
  });
  const member = Object.keys(plan.zones).find((w) => w !== left && plan.zones[w] === leaf)!;
  await assert.rejects(loadPins(session.fetch, query, plan, member), new RegExp(`pins no keys for ${left.replace(/[.#]/g, '\\$&')}`));
});

test('two sheets that pin different keys for the same backup are refused', async () => {
  let target: ReturnType<typeof sharedBackup> | undefined;
  const { plan, query } = await published('equivocating', (sheets, p) => {
    current = new Map(sheets.map((k) => [`${k.kind} ${k.group}`, k]));
    target = sharedBackup(p);
    const sheet = sheetOf(target.scopes[1]);
    sheet.runKeys[target.backup] = { ...sheet.runKeys[target.backup], x25519: new Uint8Array(32).fill(250) };
    p.keySheets = p.keySheets!.map((ref) => (ref.sheet === sheet.id ? { ...ref, sha256: sheetDigest(sheet.runKeys) } : ref));
  });
  await assert.rejects(loadPins(session.fetch, query, plan, target!.reader), /pins other keys for .* than another sheet/);
});
