// The dashboard's JSON API. Everything comes from the run journal, the public query, plan,
// result and model documents, the agents' public profiles (for their labels), the owners' consent
// resources (read with their sessions), and the simulation CSVs. Errors are JSON
// `{ error }`; unknown runs and WebIDs are 404. Answers that name agents carry `labels`
// (WebID → label) for each of them.

import { Router, type Request, type Response } from 'express';
import type { RunEvent } from '../agent/solid/events.ts';
import { valueVariables } from '../query-vocab/index.ts';
import type { PublicDocuments } from './documents.ts';
import type { JournalTail } from '../agent/solid/journal-tail.ts';
import type { AgentLabels } from './labels.ts';
import type { OwnerConsentReader } from './owner-consent.ts';
import { publicEvent } from './public-event.ts';
import { buildTree, eventsByRun, runId, summarize, timings, type RunSummary } from './run-state.ts';
import { countEvents } from '../agent/solid/run-counts.ts';
import { listSimulations, readSimulation } from './simulations.ts';
import { eventStream } from './sse.ts';
import { listTrainings } from './trainings.ts';

export interface ApiContext {
  journal: JournalTail;
  documents: PublicDocuments;
  owners: OwnerConsentReader;
  labels: AgentLabels;
  simulationsDir?: string;
}

/** Journal kinds shown as an agent's messages and steps. */
const AGENT_KINDS = new Set(['announced', 'consent', 'contributed', 'sent', 'received', 'rejected', 'failed', 'result', 'abort']);

const notFound = (res: Response, error: string) => res.status(404).json({ error });

export function apiRouter(ctx: ApiContext): Router {
  const router = Router();
  const runs = () => eventsByRun(ctx.journal.events);
  const findRun = (id: string) => [...runs()].find(([query]) => runId(query) === id || query === id);
  // The query document names the querier too, for runs whose journal lacks a 'published' line.
  const withDocument = async (s: RunSummary) => {
    const doc = (await ctx.documents.query(s.query)).value;
    return { ...s, title: doc?.title, querier: s.querier ?? doc?.querier };
  };

  router.get('/runs', async (_req, res) => {
    const list = [...runs()].map(([query, events]) => summarize(query, events)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const shown = await Promise.all(list.map(withDocument));
    res.json({ runs: shown, labels: await ctx.labels.of(shown.map((r) => r.querier)) });
  });

  router.get('/runs/:id', async (req, res) => {
    const found = findRun(req.params.id);
    if (!found) return notFound(res, `no run "${req.params.id}" in the journal`);
    const [query, events] = found;
    const summary = summarize(query, events);
    const problems: string[] = [];
    const doc = await ctx.documents.query(query);
    if (doc.error) problems.push(doc.error);
    let tree;
    if (summary.plan) {
      const plan = await ctx.documents.plan(summary.plan);
      if (plan.value) tree = buildTree(plan.value, summary.querier ?? doc.value?.querier ?? '', events);
      else problems.push(plan.error);
    }
    let result;
    if (summary.result) {
      const fetched = await ctx.documents.result(summary.result);
      if (fetched.value) result = fetched.value;
      else problems.push(fetched.error);
    }
    const named = [
      summary.querier ?? doc.value?.querier,
      ...events.flatMap((e) => [e.webId, e.peer]),
      ...(tree ? [tree.querier.webId, ...tree.groups.flatMap((g) => [...g.members.flatMap((m) => [m.webId, m.replacedBy]), ...g.contributors.map((c) => c.webId)])] : []),
    ];
    res.json({
      ...summary,
      labels: await ctx.labels.of(named),
      querier: summary.querier ?? doc.value?.querier,
      title: doc.value?.title,
      aggregates: doc.value?.aggregates.map((a) => ({ id: a.id, kind: a.kind, variables: valueVariables(a), groupBy: a.groupBy })),
      minContributors: doc.value?.minContributors,
      counts: countEvents(events),
      timings: timings(events),
      tree,
      result,
      problems,
      journal: events.map(publicEvent),
    });
  });

  router.get('/agents', async (_req, res) => {
    const counts = new Map<string, number>();
    for (const e of ctx.journal.events) counts.set(e.webId, (counts.get(e.webId) ?? 0) + 1);
    const withCredentials = new Set(await ctx.owners.webIds().catch((): string[] => []));
    const webIds = [...new Set([...withCredentials, ...counts.keys()])].filter(Boolean).sort();
    res.json({ agents: webIds.map((webId) => ({ webId, events: counts.get(webId) ?? 0, credentials: withCredentials.has(webId) })), labels: await ctx.labels.of(webIds) });
  });

  router.get('/agents/:webId', async (req, res) => {
    const webId = req.params.webId;
    const own = ctx.journal.events.filter((e: RunEvent) => e.webId === webId);
    const known = own.length > 0 || (await ctx.owners.webIds().catch((): string[] => [])).includes(webId);
    if (!known) return notFound(res, `no agent with WebID "${webId}" in the journal or the credentials`);
    const consent = await ctx.owners.read(webId);
    const steps = own.filter((e) => AGENT_KINDS.has(e.kind));
    res.json({
      webId,
      labels: await ctx.labels.of([webId, ...steps.map((e) => e.peer)]),
      policy: consent.policy,
      consentLog: consent.log,
      problems: consent.problems,
      runs: [...new Set(own.map((e) => e.query).filter(Boolean))].map((query) => ({ id: runId(query), query })),
      messages: steps.map((e) => ({ ...publicEvent(e), run: e.query ? runId(e.query) : undefined })),
    });
  });

  router.get('/simulations', async (_req, res) => {
    res.json({ folder: ctx.simulationsDir ?? null, files: await listSimulations(ctx.simulationsDir) });
  });

  router.get('/simulations/:name', async (req, res) => {
    try {
      const simulation = await readSimulation(ctx.simulationsDir, req.params.name);
      if (!simulation) return notFound(res, `no simulation CSV "${req.params.name}"`);
      res.json(simulation);
    } catch (error) {
      res.status(422).json({ error: error instanceof Error ? error.message : String(error) });
    }
  });

  router.get('/trainings', async (_req, res) => {
    const trainings = await listTrainings(runs(), ctx.documents);
    res.json({ trainings, labels: await ctx.labels.of(trainings.map((t) => t.querier)) });
  });

  router.get('/trainings/:id', async (req, res) => {
    const training = (await listTrainings(runs(), ctx.documents)).find((t) => t.id === req.params.id);
    if (!training) return notFound(res, `no training "${req.params.id}" in the journal`);
    res.json({ ...training, labels: await ctx.labels.of([training.querier]) });
  });

  router.get('/events', eventStream(ctx.journal));

  router.use((req: Request, res: Response) => notFound(res, `no API route ${req.method} ${req.originalUrl}`));
  return router;
}
