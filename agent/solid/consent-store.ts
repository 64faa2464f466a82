// The owner's consent policy and consent log in the pod, both owner-only. The log is
// mirrored locally so the rate limit and the privacy budget do not re-read the whole log for
// every query; the pod's log stays the record: an agent that starts completes its mirror
// from it (one listing), so a restart with a lost or stale mirror still sees what was spent.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { containerMembers, parseConsentDecision, parseConsentPolicy, serializeConsentDecision, serializeConsentPolicy } from '../../query-vocab/index.ts';
import type { ConsentDecision, ConsentPolicy } from '../../query-vocab/index.ts';
import { podLayout } from './layout.ts';
import { POLICIES, ensureAccess } from './access.ts';
import { PodError, ensureContainer, getTurtleIfExists, postTurtle, putTurtle, type Fetch } from './pod.ts';

export async function writePolicy(fetch: Fetch, podUrl: string, policy: ConsentPolicy): Promise<string> {
  const { consentPolicy, consentLog } = podLayout(podUrl);
  const folder = new URL('./', consentPolicy).href;
  await ensureContainer(fetch, folder);
  await ensureAccess(fetch, folder, POLICIES.ownerOnly(policy.owner));
  // The log too, under the folder's owner-only access: an agent's first decision then costs
  // one POST, like every other, instead of finding the log missing in the middle of a run.
  await ensureContainer(fetch, consentLog);
  await putTurtle(fetch, consentPolicy, serializeConsentPolicy({ ...policy, id: consentPolicy }));
  return consentPolicy;
}

export async function readPolicy(fetch: Fetch, podUrl: string): Promise<ConsentPolicy | undefined> {
  const { consentPolicy } = podLayout(podUrl);
  const turtle = await getTurtleIfExists(fetch, consentPolicy);
  return turtle === undefined ? undefined : parseConsentPolicy(turtle, consentPolicy);
}

export class ConsentLog {
  private decisions: Promise<ConsentDecision[]> | undefined;
  /** The consent steps, one at a time: two queries decided at once would each see the budget before the other spent it. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fetch: Fetch,
    private readonly podUrl: string,
    private readonly mirrorFile: string,
  ) {}

  /** Every decision, oldest first: the mirror, completed once from the pod's log. */
  async history(): Promise<ConsentDecision[]> {
    this.decisions ??= this.load();
    try {
      return await this.decisions;
    } catch (error) {
      this.decisions = undefined; // the pod was away: the next call lists it again
      throw error;
    }
  }

  private async load(): Promise<ConsentDecision[]> {
    const mirror = JSON.parse(await readFile(this.mirrorFile, 'utf8').catch(() => '[]')) as ConsentDecision[];
    const known = new Set(mirror.map((d) => d.id));
    const missing = (await consentLogEntries(this.fetch, this.podUrl)).filter((u) => !known.has(u));
    const all = [...mirror, ...(await Promise.all(missing.map((u) => readDecision(this.fetch, u))))].sort((a, b) => a.at.localeCompare(b.at));
    if (missing.length > 0) await this.save(all);
    return all;
  }

  /** Runs a consent step (read the history, decide, append) after the ones before it have finished. */
  exclusive<T>(step: (history: ConsentDecision[]) => Promise<T>): Promise<T> {
    const run = this.turn.then(async () => step(await this.history()));
    this.turn = run.catch(() => undefined);
    return run;
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
    await this.save(history);
    return url;
  }

  private async save(history: ConsentDecision[]): Promise<void> {
    await mkdir(path.dirname(this.mirrorFile), { recursive: true });
    await writeFile(this.mirrorFile, JSON.stringify(history, null, 1));
  }
}

/** The URLs of the entries of the pod's consent log (none when it does not exist yet). */
async function consentLogEntries(fetch: Fetch, podUrl: string): Promise<string[]> {
  const { consentLog } = podLayout(podUrl);
  const listing = await getTurtleIfExists(fetch, consentLog);
  return listing === undefined ? [] : containerMembers(listing, consentLog);
}

async function readDecision(fetch: Fetch, url: string): Promise<ConsentDecision> {
  return parseConsentDecision((await getTurtleIfExists(fetch, url)) ?? '', url);
}

export async function readConsentLog(fetch: Fetch, podUrl: string): Promise<ConsentDecision[]> {
  const out = await Promise.all((await consentLogEntries(fetch, podUrl)).map((u) => readDecision(fetch, u)));
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
