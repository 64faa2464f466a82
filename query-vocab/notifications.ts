// The Solid Notifications Protocol's documents: a storage description's subscription
// services (Turtle), a subscription request and its answer, and the notifications that
// arrive on a channel (JSON-LD). The JSON-LD ones are compacted against the protocol's
// context, which fixes what their keys mean; reading them as plain JSON needs no JSON-LD
// processor (which would fetch the context from the Web), and a document that does not
// declare that context is refused rather than guessed at.

import { Graph } from './graph.ts';
import { VocabError } from './errors.ts';
import { AS, NOTIFICATION_CONTEXT, NOTIFY, compactIri } from './terms.ts';

/** One notification: what happened (an Activity Streams type IRI) and to which resource. */
export interface Activity {
  type: string;
  object: string;
}

/** The subscription services a storage description offers for a channel type, in document order. */
export function subscriptionServices(turtle: string, descriptionUrl: string, channelType: string): string[] {
  const graph = Graph.parse(turtle, descriptionUrl);
  const services = graph.quads.filter((q) => q.predicate.value === NOTIFY.subscription).map((q) => q.object);
  return services
    .filter((s) => s.termType === 'NamedNode' && graph.objects(s, NOTIFY.channelType).some((t) => t.value === channelType))
    .map((s) => s.value);
}

/** The body of a subscription request: a channel of `channelType` on `topic`. */
export function subscriptionRequest(channelType: string, topic: string): string {
  return JSON.stringify({ '@context': [NOTIFICATION_CONTEXT], type: channelType, topic });
}

/** Where a subscription's answer says to receive the notifications from. */
export function parseSubscription(text: string, service: string): string {
  const doc = jsonLd(text, `the subscription answer of ${service}`);
  const receiveFrom = doc.receiveFrom;
  if (typeof receiveFrom !== 'string' || !URL.canParse(receiveFrom)) {
    throw new VocabError([`the subscription answer of ${service} has no ${compactIri(NOTIFY.receiveFrom)} URL`]);
  }
  return receiveFrom;
}

/** Reads one notification; a bare type name is an Activity Streams term (the context says so). */
export function parseActivity(text: string): Activity {
  const doc = jsonLd(text, 'a notification');
  const object = typeof doc.object === 'object' && doc.object !== null ? (doc.object as Record<string, unknown>).id : doc.object;
  if (typeof doc.type !== 'string' || typeof object !== 'string') throw new VocabError([`a notification lacks a type or an object`]);
  return { type: doc.type.includes(':') ? doc.type : AS.$ + doc.type, object };
}

function jsonLd(text: string, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new VocabError([`${what} is not JSON`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new VocabError([`${what} is not a JSON-LD object`]);
  const context = (doc as Record<string, unknown>)['@context'];
  if (!(context === NOTIFICATION_CONTEXT || (Array.isArray(context) && context.includes(NOTIFICATION_CONTEXT)))) {
    throw new VocabError([`${what} does not use the Solid notifications context`]);
  }
  return doc as Record<string, unknown>;
}
