// Web Access Control documents for the resources podagg creates. The Inrupt access
// helpers cannot name acl:AuthenticatedAgent, so the ACL Turtle is written here.

import { DataFactory, Writer, type Quad } from 'n3';
import { ACL, FOAF, RDF } from './terms.ts';

export type Mode = 'Read' | 'Write' | 'Append' | 'Control';

export interface AclRule {
  /** Fragment name of the authorization inside the ACL document. */
  name: string;
  agents?: string[];
  /** Any logged-in agent. */
  authenticated?: boolean;
  /** Anyone, logged in or not. */
  everyone?: boolean;
  modes: Mode[];
  /** Also applies to the container's members. */
  inherit: boolean;
}

const { namedNode, quad } = DataFactory;

export function aclQuads(aclUrl: string, resourceUrl: string, rules: AclRule[]): Quad[] {
  const out: Quad[] = [];
  for (const rule of rules) {
    const node = namedNode(`${aclUrl}#${rule.name}`);
    const add = (p: string, o: string) => out.push(quad(node, namedNode(p), namedNode(o)));
    add(RDF.type, ACL.Authorization);
    add(ACL.accessTo, resourceUrl);
    if (rule.inherit) add(ACL.default, resourceUrl);
    for (const agent of rule.agents ?? []) add(ACL.agent, agent);
    if (rule.authenticated) add(ACL.agentClass, ACL.AuthenticatedAgent);
    if (rule.everyone) add(ACL.agentClass, FOAF.Agent);
    for (const mode of rule.modes) add(ACL.mode, ACL[mode]);
  }
  return out;
}

export function aclTurtle(aclUrl: string, resourceUrl: string, rules: AclRule[]): string {
  return new Writer({ format: 'N-Triples' }).quadsToString(aclQuads(aclUrl, resourceUrl, rules));
}
