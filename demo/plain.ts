// The plain answer: the same query computed directly over the generated documents, with
// no pods, no protocol and no secrecy, to check each result against. Each person's
// documents are queried on their own (as their agent would), and the consent policy the
// demo gave them is applied with the same rule the agents use.

import { QueryEngine } from '@comunica/query-sparql';
import { Parser, Store } from 'n3';
import type { AggregationPlan, AggregationQuery, ConsentPolicy, ResultValue } from '../query-vocab/types.ts';
import { decideConsent } from '../agent/core/consent.ts';
import { decode, encodeRows, type Row } from '../agent/core/encoding.ts';
import { layoutOf } from '../agent/core/protocol.ts';
import { addInto, zeros, type Vec } from '../agent/core/ring.ts';
import { toRow } from '../agent/solid/evaluate.ts';
import type { PersonDocuments } from './data.ts';

export interface PlainPerson {
  base: string;
  documents: PersonDocuments;
  policy: ConsentPolicy;
}

export interface PlainAnswer {
  values: ResultValue[];
  contributors: number;
}

const engine = new QueryEngine();

/** Each consenting person's rows for the query's selection, by WebID: what its agent would select. */
export async function plainRows(query: AggregationQuery, plan: AggregationPlan, people: PlainPerson[]): Promise<Map<string, Row[]>> {
  const out = new Map<string, Row[]>();
  for (const person of people) {
    if (!decideConsent(person.policy, query, plan, [], Date.now()).accepted) continue;
    const store = new Store();
    for (const [path, turtle] of Object.entries(person.documents)) {
      store.addQuads(new Parser({ baseIRI: person.base + path }).parse(turtle));
    }
    const bindings = await (await engine.queryBindings(query.selection, { sources: [store] })).toArray();
    out.set(person.policy.owner, bindings.map(toRow));
  }
  return out;
}

/** Each consenting, matching person's encoded contribution: what its agent would share. */
export async function plainContributions(query: AggregationQuery, plan: AggregationPlan, people: PlainPerson[]): Promise<Map<string, Vec>> {
  const layout = layoutOf({ query, plan });
  const out = new Map<string, Vec>();
  for (const [webId, rows] of await plainRows(query, plan, people)) {
    if (rows.length > 0) out.set(webId, encodeRows(layout, rows));
  }
  return out;
}

/** The answer over every consenting matching person, or only over the WebIDs `only` names. */
export async function plainAnswer(query: AggregationQuery, plan: AggregationPlan, people: PlainPerson[], only?: Set<string>): Promise<PlainAnswer> {
  const layout = layoutOf({ query, plan });
  const sum = zeros(layout.length);
  let contributors = 0;
  for (const [webId, vector] of await plainContributions(query, plan, people)) {
    if (only && !only.has(webId)) continue;
    addInto(sum, vector, 'z64');
    contributors++;
  }
  return { values: decode(layout, sum), contributors };
}
