// The owner's consent policy and consent log in the pod, both owner-only. The log is
// mirrored locally so the rate limit does not re-read the whole log for every query.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { containerMembers, parseConsentDecision, parseConsentPolicy, serializeConsentDecision, serializeConsentPolicy } from '../../query-vocab/index.ts';
import type { ConsentDecision, ConsentPolicy } from '../../query-vocab/index.ts';
import { podLayout } from './layout.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { PodError, ensureContainer, getTurtleIfExists, postTurtle, putTurtle, type Fetch } from './pod.ts';

export async function writePolicy(fetch: Fetch, podUrl: string, policy: ConsentPolicy): Promise<string> {
  const { consentPolicy } = podLayout(podUrl);
  const folder = new URL('./', consentPolicy).href;
  await ensureContainer(fetch, folder);
  await ensureAccess(fetch, folder, POLICIES.ownerOnly(policy.owner));
  await putTurtle(fetch, consentPolicy, serializeConsentPolicy({ ...policy, id: consentPolicy }));
  return consentPolicy;
}

export async function readPolicy(fetch: Fetch, podUrl: string): Promise<ConsentPolicy | undefined> {
  const { consentPolicy } = podLayout(podUrl);
  const turtle = await getTurtleIfExists(fetch, consentPolicy);
  return turtle === undefined ? undefined : parseConsentPolicy(turtle, consentPolicy);
}

export class ConsentLog {
  private decisions: ConsentDecision[] | undefined;
  constructor(
    private readonly fetch: Fetch,
    private readonly podUrl: string,
    private readonly mirrorFile: string,
  ) {}

  async history(): Promise<ConsentDecision[]> {
    if (!this.decisions) {
      const text = await readFile(this.mirrorFile, 'utf8').catch(() => '[]');
      this.decisions = JSON.parse(text) as ConsentDecision[];
    }
    return this.decisions;
  }

  /** Appends a decision to the pod's log (and the mirror) and returns its URL. */
  async append(decision: Omit<ConsentDecision, 'id'>): Promise<string> {
    const { consentLog } = podLayout(this.podUrl);
    // Subject <>: the decision is the resource the POST creates.
    const body = serializeConsentDecision({ ...decision, id: '' });
    // One request per decision: the log is created when the first POST finds it missing.
    const url = await postTurtle(this.fetch, consentLog, body).catch(async (error: unknown) => {
      if (!(error instanceof PodError && error.status === 404)) throw error;
      await ensureContainer(this.fetch, consentLog);
      return postTurtle(this.fetch, consentLog, body);
    });
    const history = await this.history();
    history.push({ ...decision, id: url });
    await mkdir(path.dirname(this.mirrorFile), { recursive: true });
    await writeFile(this.mirrorFile, JSON.stringify(history, null, 1));
    return url;
  }
}

export async function readConsentLog(fetch: Fetch, podUrl: string): Promise<ConsentDecision[]> {
  const { consentLog } = podLayout(podUrl);
  const listing = await getTurtleIfExists(fetch, consentLog);
  if (listing === undefined) return [];
  const urls = containerMembers(listing, consentLog);
  const out = await Promise.all(urls.map(async (u) => parseConsentDecision((await getTurtleIfExists(fetch, u)) ?? '', u)));
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
