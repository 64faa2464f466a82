// Access rules as ACP Access Control Resources, in the shape the Community Solid Server
// applies: the ACR names its resource with acp:resource. Written as Turtle: the ACRs that
// Inrupt's acp_ess_2 helpers build are ESS's shape, with no acp:resource (CSS ignores them)
// and no acl:Control mode.

import { DataFactory, Writer, type Quad, type Term } from 'n3';
import { MODES, type AccessRule, type Grant, type Grantee } from './access-rules.ts';
import { Graph } from './graph.ts';
import { ACL, ACP, RDF } from './terms.ts';

const { namedNode, quad } = DataFactory;

export function acrQuads(acrUrl: string, resourceUrl: string, rules: AccessRule[]): Quad[] {
  const acr = namedNode(acrUrl);
  const out: Quad[] = [quad(acr, namedNode(RDF.type), namedNode(ACP.AccessControlResource)), quad(acr, namedNode(ACP.resource), namedNode(resourceUrl))];
  for (const rule of rules) {
    const node = (suffix: string) => namedNode(`${acrUrl}#${rule.name}${suffix}`);
    const [control, policy, matcher] = [node(''), node('-policy'), node('-matcher')];
    out.push(quad(acr, namedNode(ACP.accessControl), control));
    if (rule.inherit) out.push(quad(acr, namedNode(ACP.memberAccessControl), control));
    out.push(
      quad(control, namedNode(RDF.type), namedNode(ACP.AccessControl)),
      quad(control, namedNode(ACP.apply), policy),
      quad(policy, namedNode(RDF.type), namedNode(ACP.Policy)),
      quad(policy, namedNode(ACP.anyOf), matcher),
      quad(matcher, namedNode(RDF.type), namedNode(ACP.Matcher)),
    );
    for (const mode of rule.modes) out.push(quad(policy, namedNode(ACP.allow), namedNode(ACL[mode])));
    for (const to of rule.to) out.push(quad(matcher, namedNode(ACP.agent), namedNode(agentIri(to))));
  }
  return out;
}

export function acrTurtle(acrUrl: string, resourceUrl: string, rules: AccessRule[]): string {
  return new Writer({ format: 'N-Triples' }).quadsToString(acrQuads(acrUrl, resourceUrl, rules));
}

/**
 * What an ACR grants on `resourceUrl` and its members, read as CSS applies it. Deny and
 * noneOf only take access away and all-of matchers narrow it: counting every matcher's
 * agents as granted can only report more access than there is, never less.
 */
export function acrGrants(turtle: string, acrUrl: string, resourceUrl: string): Grant[] {
  const graph = Graph.parse(turtle, acrUrl);
  const out: Grant[] = [];
  const controlled = graph.quads.filter((q) => q.predicate.value === ACP.resource && q.object.value === resourceUrl).map((q) => q.subject);
  for (const acr of controlled) {
    for (const [p, on] of [[ACP.accessControl, 'resource'], [ACP.memberAccessControl, 'members']] as const) {
      for (const control of graph.objects(acr, p)) {
        for (const policy of graph.objects(control, ACP.apply)) {
          const modes = MODES.filter((m) => graph.objects(policy, ACP.allow).some((t) => t.value === ACL[m]));
          const to = [ACP.anyOf, ACP.allOf].flatMap((link) => graph.objects(policy, link)).flatMap((m) => graph.objects(m, ACP.agent)).map(grantee);
          for (const who of to) for (const mode of modes) out.push({ to: who, mode, on });
        }
      }
    }
  }
  return out;
}

function agentIri(to: Grantee): string {
  return to.kind === 'agent' ? to.webId : to.kind === 'authenticated' ? ACP.AuthenticatedAgent : ACP.PublicAgent;
}

function grantee(t: Term): Grantee {
  if (t.value === ACP.AuthenticatedAgent) return { kind: 'authenticated' };
  if (t.value === ACP.PublicAgent) return { kind: 'public' };
  return { kind: 'agent', webId: t.value };
}
