// A pod owner's consent policy and consent log, read with the owner's own session: both
// are owner-only resources. Sessions are opened once per WebID and kept; the client
// secrets never leave this module.

import { getContainedResourceUrlAll, getSolidDataset } from '@inrupt/solid-client';
import { readCredentials, type Credential } from '../agent/solid/credentials.ts';
import { podLayout } from '../agent/solid/layout.ts';
import { getTurtle, getTurtleIfExists } from '../agent/solid/pod.ts';
import { login, type AgentSession } from '../agent/solid/session.ts';
import { parseConsentDecision, parseConsentPolicy } from '../query-vocab/index.ts';
import type { ConsentDecision, ConsentPolicy, WebId } from '../query-vocab/types.ts';

export interface OwnerConsent {
  /** Null when the owner has none; undefined when it could not be read. */
  policy?: ConsentPolicy | null;
  log: ConsentDecision[];
  /** Why something could not be read, one sentence each. */
  problems: string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0] : String(error));

export class OwnerConsentReader {
  private readonly sessions = new Map<WebId, Promise<AgentSession>>();
  /** Decisions are written once and never changed. */
  private readonly decisions = new Map<string, ConsentDecision>();

  constructor(private readonly credentialsFile?: string) {}

  /** The WebIDs the dashboard holds credentials for. */
  async webIds(): Promise<WebId[]> {
    return (await this.credentials()).map((c) => c.webId);
  }

  async read(webId: WebId): Promise<OwnerConsent> {
    const credential = (await this.credentials()).find((c) => c.webId === webId);
    if (!credential) {
      return { log: [], problems: ['the dashboard holds no credentials for this WebID, so its owner-only consent policy and log are not shown'] };
    }
    let session: AgentSession;
    try {
      session = await this.session(credential);
    } catch (error) {
      return { log: [], problems: [message(error)] };
    }
    const layout = podLayout(credential.podUrl);
    const out: OwnerConsent = { log: [], problems: [] };
    try {
      const turtle = await getTurtleIfExists(session.fetch, layout.consentPolicy);
      out.policy = turtle === undefined ? null : parseConsentPolicy(turtle, layout.consentPolicy);
    } catch (error) {
      out.problems.push(`consent policy: ${message(error)}`);
    }
    try {
      out.log = await this.readLog(session.fetch, layout.consentLog);
    } catch (error) {
      if (!/\b404\b/.test(message(error))) out.problems.push(`consent log: ${message(error)}`);
    }
    return out;
  }

  async stop(): Promise<void> {
    const sessions = await Promise.allSettled(this.sessions.values());
    await Promise.allSettled(sessions.map((s) => (s.status === 'fulfilled' ? s.value.logout() : undefined)));
  }

  private async readLog(fetch: typeof globalThis.fetch, container: string): Promise<ConsentDecision[]> {
    const urls = getContainedResourceUrlAll(await getSolidDataset(container, { fetch }));
    const log = await Promise.all(urls.map(async (url) => {
      const known = this.decisions.get(url);
      if (known) return known;
      const decision = parseConsentDecision(await getTurtle(fetch, url), url);
      this.decisions.set(url, decision);
      return decision;
    }));
    return log.sort((a, b) => b.at.localeCompare(a.at));
  }

  private session(credential: Credential): Promise<AgentSession> {
    let session = this.sessions.get(credential.webId);
    if (!session) {
      session = login(credential);
      // A failed login is retried on the next request.
      session.catch(() => this.sessions.delete(credential.webId));
      this.sessions.set(credential.webId, session);
    }
    return session;
  }

  private async credentials(): Promise<Credential[]> {
    return this.credentialsFile ? readCredentials(this.credentialsFile) : [];
  }
}
