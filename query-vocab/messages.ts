// Protocol messages as they travel through LDP inboxes. They come from anyone, so parsing is
// bounded in size before anything else happens. A message's subject is its own document (<>).
import { DataFactory, type Term } from 'n3';
import { openGraph } from './document.ts';
import { VocabError } from './errors.ts';
import { Graph } from './graph.ts';
import type { Reader } from './reader.ts';
import { AS, PA, RDF } from './terms.ts';
import type { Announcement, Contribution, Message } from './types.ts';
import { TurtleDoc, bool, bytes, dateTime, int, iri, str } from './write.ts';

/** Messages larger than this are refused unread (8 MiB). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const MESSAGE_TYPES: readonly Message['type'][] = ['Announcement', 'Contribution', 'Abstention', 'Withdrawal', 'Confirmation', 'KeySeed', 'PartialAggregate'];

/** Parses any message, dispatching on its class. */
export function parseMessage(turtle: string, baseIri: string): Message {
  return readMessage(turtle, baseIri, MESSAGE_TYPES);
}

/** Parses a contribution, refusing any other message. */
export function parseContribution(turtle: string, baseIri: string): Contribution {
  return readMessage(turtle, baseIri, ['Contribution']) as Contribution;
}

function readMessage(turtle: string, baseIri: string, accepted: readonly Message['type'][]): Message {
  const size = Buffer.byteLength(turtle, 'utf8');
  if (size > MAX_MESSAGE_BYTES) {
    throw new VocabError([`<${baseIri}>: the message has ${size} bytes, above the limit of ${MAX_MESSAGE_BYTES}`]);
  }
  const graph = Graph.parse(turtle, baseIri);
  const present = MESSAGE_TYPES.filter((t) => graph.instancesOf(PA[t]).length > 0);
  const type = present.length === 1 && accepted.includes(present[0]) ? present[0] : undefined;
  if (!type) {
    const found = present.length === 0 ? 'no message class' : present.map((t) => `pa:${t}`).join(' and ');
    throw new VocabError([`<${baseIri}> rdf:type: the document has ${found}; expected one of ${accepted.map((t) => `pa:${t}`).join(', ')}`]);
  }
  const { reader: r, node } = openGraph(graph, baseIri, PA[type]);
  const base = {
    query: r.iri(node, PA.query),
    sender: r.iri(node, AS.actor),
    recipient: r.iri(node, AS.to),
    sentAt: r.dateTime(node, AS.published),
    signature: r.bytes(node, PA.signature),
  };
  const message = readBody(r, node, type, base);
  r.throwIfAny();
  return message;
}

type Base = Omit<Announcement, 'type' | 'plan'>;

function readBody(r: Reader, node: Term, type: Message['type'], base: Base): Message {
  switch (type) {
    case 'Announcement':
      return { type, ...base, plan: r.iri(node, PA.plan) };
    case 'Contribution':
      return { type, ...base, group: r.string(node, PA.group), position: r.integer(node, PA.position), consent: r.iri(node, PA.consent), sealed: r.bytes(node, PA.sealed) };
    case 'Abstention':
    case 'Withdrawal':
      return { type, ...base, group: r.string(node, PA.group), position: r.integer(node, PA.position) };
    case 'Confirmation':
      return {
        type, ...base, group: r.string(node, PA.group), position: r.integer(node, PA.position),
        contributors: r.all(node, PA.contributor).map((t) => r.asString(node, PA.contributor, t)).sort(),
        ...(r.one(node, PA.sealed, true) ? { sealed: r.bytes(node, PA.sealed) } : {}),
      };
    case 'KeySeed':
      return { type, ...base, group: r.string(node, PA.group), position: r.integer(node, PA.position), sealed: r.bytes(node, PA.sealed) };
    case 'PartialAggregate':
      return {
        type, ...base, group: r.string(node, PA.group), position: r.integer(node, PA.position),
        versionId: r.string(node, PA.versionId), counter: r.integer(node, PA.counter),
        included: r.integer(node, PA.included), received: r.integer(node, PA.received),
        ...(r.one(node, PA.final, true) ? { final: r.boolean(node, PA.final) } : {}),
        ...(r.one(node, PA.rejected, true) ? { rejected: r.integer(node, PA.rejected) } : {}), sealed: r.bytes(node, PA.sealed),
      };
  }
}

/** Serializes any message; its subject is the relative IRI <>, the document it is posted as. */
export function serializeMessage(m: Message): string {
  const s = DataFactory.namedNode('');
  const doc = new TurtleDoc()
    .add(s, RDF.type, iri(PA[m.type]))
    .add(s, PA.query, iri(m.query))
    .add(s, AS.actor, iri(m.sender))
    .add(s, AS.to, iri(m.recipient))
    .add(s, AS.published, dateTime(m.sentAt));
  switch (m.type) {
    case 'Announcement':
      doc.add(s, PA.plan, iri(m.plan));
      break;
    case 'Contribution':
      doc.add(s, PA.group, str(m.group)).add(s, PA.position, int(m.position)).add(s, PA.consent, iri(m.consent)).add(s, PA.sealed, bytes(m.sealed));
      break;
    case 'Abstention':
    case 'Withdrawal':
      doc.add(s, PA.group, str(m.group)).add(s, PA.position, int(m.position));
      break;
    case 'Confirmation':
      doc.add(s, PA.group, str(m.group)).add(s, PA.position, int(m.position)).add(s, PA.contributor, ...[...m.contributors].sort().map(str))
        .add(s, PA.sealed, m.sealed && bytes(m.sealed));
      break;
    case 'KeySeed':
      doc.add(s, PA.group, str(m.group)).add(s, PA.position, int(m.position)).add(s, PA.sealed, bytes(m.sealed));
      break;
    case 'PartialAggregate':
      doc.add(s, PA.group, str(m.group)).add(s, PA.position, int(m.position)).add(s, PA.versionId, str(m.versionId))
        .add(s, PA.counter, int(m.counter)).add(s, PA.included, int(m.included)).add(s, PA.received, int(m.received))
        .add(s, PA.final, m.final === undefined ? undefined : bool(m.final))
        .add(s, PA.rejected, m.rejected === undefined ? undefined : int(m.rejected)).add(s, PA.sealed, bytes(m.sealed));
      break;
  }
  return doc.add(s, PA.signature, bytes(m.signature)).toString();
}
