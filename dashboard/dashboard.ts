// The web dashboard: the JSON API under /api, the vocabulary at its namespace path, and
// the static browser app (dashboard/static/) at /.

import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { apiRouter } from './api.ts';
import { PublicDocuments } from './documents.ts';
import { AgentLabels } from './labels.ts';
import { JournalTail } from '../agent/solid/journal-tail.ts';
import { OwnerConsentReader } from './owner-consent.ts';
import { vocabularyRouter } from './vocabulary.ts';

export interface DashboardOptions {
  port: number;
  stateDir: string;
  credentialsFile?: string;
  simulationsDir?: string;
  /** Default 127.0.0.1: the dashboard shows owner-only consent data. */
  host?: string;
}

export interface Dashboard {
  url: string;
  stop(): Promise<void>;
}

const STATIC = fileURLToPath(new URL('./static/', import.meta.url));

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const journal = new JournalTail(options.stateDir);
  await journal.start();
  const owners = new OwnerConsentReader(options.credentialsFile);
  const app = express();
  app.disable('x-powered-by');
  app.use('/api', apiRouter({ journal, documents: new PublicDocuments(), owners, labels: new AgentLabels(), simulationsDir: options.simulationsDir }));
  app.use(vocabularyRouter());
  app.use('/dashboard', express.static(STATIC, { index: false }));
  app.get('/', (_req, res) => res.sendFile('index.html', { root: STATIC }));
  app.use((req: Request, res: Response) => res.status(404).json({ error: `nothing at ${req.originalUrl}` }));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
  });

  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}/`,
    async stop() {
      journal.stop();
      // Open event streams would keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await owners.stop();
    },
  };
}
