// Access rules podagg sets on the resources it creates, in a form that is neither WAC nor
// ACP: acl.ts writes and reads them as a WAC ACL document, acr.ts as an ACP Access Control
// Resource. Reading either back gives grants, which are compared to what was meant, so a
// server that ignored a write, or a policy someone changed, is found rather than assumed.

export type Mode = 'Read' | 'Write' | 'Append' | 'Control';

/** Who a rule is for: named agents (WebIDs), any logged-in agent, or anyone. */
export type Grantee = { kind: 'agent'; webId: string } | { kind: 'authenticated' } | { kind: 'public' };

export interface AccessRule {
  /** Fragment name of the rule inside the access document. */
  name: string;
  to: Grantee[];
  modes: Mode[];
  /** Also applies to the container's members (WAC acl:default, ACP acp:memberAccessControl). */
  inherit: boolean;
}

/** One mode granted to one grantee, on the resource itself or on its members. */
export interface Grant {
  to: Grantee;
  mode: Mode;
  on: 'resource' | 'members';
}

export const MODES: readonly Mode[] = ['Read', 'Write', 'Append', 'Control'];

export function grantsOf(rules: AccessRule[]): Grant[] {
  return rules.flatMap((rule) =>
    rule.to.flatMap((to) =>
      rule.modes.flatMap((mode) => [
        { to, mode, on: 'resource' as const },
        ...(rule.inherit ? [{ to, mode, on: 'members' as const }] : []),
      ]),
    ),
  );
}

/**
 * What `actual` grants beyond `wanted`, and what it lacks, one sentence each; empty when
 * they are the same.
 */
export function grantDifferences(wanted: Grant[], actual: Grant[]): string[] {
  const key = (g: Grant) => `${granteeName(g.to)} ${g.mode} ${g.on}`;
  const want = new Set(wanted.map(key));
  const have = new Set(actual.map(key));
  const sentence = (g: Grant) => `${g.mode} for ${granteeName(g.to)} on the ${g.on === 'resource' ? 'resource' : "container's members"}`;
  const extra = dedupe(actual.filter((g) => !want.has(key(g))), key).map((g) => `grants ${sentence(g)}, which podagg does not set`);
  const missing = dedupe(wanted.filter((g) => !have.has(key(g))), key).map((g) => `lacks ${sentence(g)}`);
  return [...extra, ...missing];
}

export function granteeName(to: Grantee): string {
  return to.kind === 'agent' ? to.webId : to.kind === 'authenticated' ? 'authenticated agents' : 'everyone';
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => !seen.has(key(t)) && seen.add(key(t)));
}
