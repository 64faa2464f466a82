// podagg consent show: an owner's consent policy, as its agent applies it, and the privacy
// budget left to each querier (or purpose) by the decisions in the pod's consent log.

import { readCredentials, selectCredentials } from '../agent/solid/credentials.ts';
import { readConsentLog, readPolicy } from '../agent/solid/consent-store.ts';
import { login } from '../agent/solid/session.ts';
import { spent } from '../agent/core/privacy-budget.ts';
import { compactIri } from '../query-vocab/terms.ts';
import type { ConsentDecision, ConsentPolicy } from '../query-vocab/types.ts';
import { parse } from './args.ts';

export const usage = `usage: podagg consent show --credentials FILE (--webid WEBID | --all) [--json]
  Prints each owner's consent policy and, when it sets a privacy budget, the ε left to each querier
  (or purpose) that spent some within the budget's period, read from the pod's consent log.`;

interface Standing {
  webId: string;
  policy: ConsentPolicy | null;
  /** ε spent and left per querier or purpose, most spent first; empty without a budget. */
  budget: Array<{ key: string; spent: number; left: number }>;
  decisions: number;
}

function standing(webId: string, policy: ConsentPolicy | undefined, log: ConsentDecision[], now: number): Standing {
  const b = policy?.privacyBudget;
  const budget = b ? [...spent(b, log, now)].map(([key, used]) => ({ key, spent: used, left: Math.max(0, b.epsilon - used) })).sort((x, y) => y.spent - x.spent) : [];
  return { webId, policy: policy ?? null, budget, decisions: log.length };
}

const round = (x: number) => String(Number(x.toPrecision(6)));

function formatStanding(s: Standing): string {
  const p = s.policy;
  if (!p) return `${s.webId}\n  no consent policy (podagg consent set writes one): every query is refused`;
  const lines = [
    s.webId,
    `  purposes       ${p.purposes.map(compactIri).join(', ')}`,
    `  queriers       ${p.anyQuerier ? 'any' : p.queriers.join(', ')}`,
    `  limits         groups of ${p.minGroupSize}, results of ${p.minContributors} contributors, ${p.maxQueriesPerDay} queries a day`,
    `  privacy        ${p.requireDifferentialPrivacy ? 'differential privacy required' : 'exact queries accepted too'}${p.maxEpsilonPerQuery === undefined ? '' : `, at most ε ${p.maxEpsilonPerQuery} per query`}`,
  ];
  const b = p.privacyBudget;
  if (!b) {
    lines.push('  budget         none: differentially private queries spend without limit');
  } else {
    lines.push(`  budget         ε ${b.epsilon} per ${b.per} over any ${b.periodDays} days`);
    for (const { key, spent: used, left } of s.budget) lines.push(`  left           ${key}: ε ${round(left)} of ${b.epsilon} (${round(used)} spent)`);
    lines.push(`  left           any other ${b.per}: ε ${b.epsilon} of ${b.epsilon}`);
  }
  lines.push(`  consent log    ${s.decisions} decisions`);
  return lines.join('\n');
}

export async function consentShow(args: string[]): Promise<number> {
  const { values } = parse(args, { credentials: { type: 'string' }, webid: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } }, { required: ['credentials'], oneOf: ['webid', 'all'] });
  if (values.help) return (console.log(usage), 0);
  for (const credential of selectCredentials(await readCredentials(values.credentials!), values.webid, values.all ?? false)) {
    const session = await login(credential);
    try {
      const [policy, log] = await Promise.all([readPolicy(session.fetch, credential.podUrl), readConsentLog(session.fetch, credential.podUrl)]);
      const s = standing(credential.webId, policy, log, Date.now());
      console.log(values.json ? JSON.stringify(s) : formatStanding(s));
    } finally {
      await session.logout();
    }
  }
  return 0;
}
