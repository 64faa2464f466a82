// The public API of the vocabulary: terms, document parsers and serializers, checks.
export type * from './types.ts';
export * from './terms.ts';
export { VocabError } from './errors.ts';
export { documentOf } from './iri.ts';
export { AGGREGATE_KINDS, parseQuery, serializeQuery, checkQuery } from './query.ts';
export { STRATEGY_NAMES } from './params.ts';
export { parseConsentPolicy, serializeConsentPolicy, parseConsentDecision, serializeConsentDecision } from './consent.ts';
export { parsePlan, serializePlan } from './plan.ts';
export { MAX_MESSAGE_BYTES, parseMessage, parseContribution, serializeMessage } from './messages.ts';
export { parseResult, serializeResult } from './result.ts';
export { parseRegistration, serializeRegistration } from './registration.ts';
export { serializePresence } from './presence.ts';
export { checkSelection } from './sparql-check.ts';
export { valueVariables } from './variables.ts';
export { encodeMultikey, decodeMultikey, base58btcEncode, base58btcDecode, type KeyType } from './multikey.ts';
export { ontologyTurtle, ontologyJsonLd, turtleToJsonLd } from './ontology.ts';
export { shapesTurtle } from './shacl.ts';
