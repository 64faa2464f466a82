// Access rules as Web Access Control documents. Written as Turtle: the Inrupt access helpers
// cannot name acl:AuthenticatedAgent.

import { DataFactory, Writer, type Quad, type Term } from 'n3';
import { MODES, type AccessRule, type Grant, type Grantee } from './access-rules.ts';
import { Graph } from './graph.ts';
import { ACL, FOAF, RDF } from './terms.ts';

const { namedNode, quad } = DataFactory;

export function aclQuads(aclUrl: string, resourceUrl: string, rules: AccessRule[]): Quad[] {
  const out: Quad[] = [];
  for (const rule of rules) {
    const node = namedNode(`${aclUrl}#${rule.name}`);
    const add = (p: string, o: string) => out.push(quad(node, namedNode(p), namedNode(o)));
    add(RDF.type, ACL.Authorization);
    add(ACL.accessTo, resourceUrl);
    if (rule.inherit) add(ACL.default, resourceUrl);
    for (const to of rule.to) {
      if (to.kind === 'agent') add(ACL.agent, to.webId);
      else add(ACL.agentClass, to.kind === 'authenticated' ? ACL.AuthenticatedAgent : FOAF.Agent);
    }
    for (const mode of rule.modes) add(ACL.mode, ACL[mode]);
  }
  return out;
}

export function aclTurtle(aclUrl: string, resourceUrl: string, rules: AccessRule[]): string {
  return new Writer({ format: 'N-Triples' }).quadsToString(aclQuads(aclUrl, resourceUrl, rules));
}

/** What an ACL document grants on `resourceUrl` and its members, whoever wrote it. */
export function aclGrants(turtle: string, aclUrl: string, resourceUrl: string): Grant[] {
  const graph = Graph.parse(turtle, aclUrl);
  const out: Grant[] = [];
  for (const auth of graph.instancesOf(ACL.Authorization)) {
    const names = (p: string) => graph.objects(auth, p).some((t) => t.value === resourceUrl);
    const on = [...(names(ACL.accessTo) ? ['resource' as const] : []), ...(names(ACL.default) ? ['members' as const] : [])];
    const to = [
      ...graph.objects(auth, ACL.agent).map((t): Grantee => ({ kind: 'agent', webId: t.value })),
      ...graph.objects(auth, ACL.agentClass).flatMap(agentClass),
    ];
    const modes = MODES.filter((m) => graph.objects(auth, ACL.mode).some((t: Term) => t.value === ACL[m]));
    for (const where of on) for (const who of to) for (const mode of modes) out.push({ to: who, mode, on: where });
  }
  return out;
}

function agentClass(t: Term): Grantee[] {
  if (t.value === ACL.AuthenticatedAgent) return [{ kind: 'authenticated' }];
  if (t.value === FOAF.Agent) return [{ kind: 'public' }];
  return [];
}
