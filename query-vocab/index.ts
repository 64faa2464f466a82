// The public API of the vocabulary: terms, document parsers and serializers, checks.
export type * from './types.ts';
export * from './terms.ts';
export { VocabError } from './errors.ts';
export { AGGREGATE_KINDS, QUERY_DEFAULTS, parseQuery, serializeQuery, checkQuery } from './query.ts';
export { STRATEGIES } from './params.ts';
export { parseConsentPolicy, serializeConsentPolicy, parseConsentDecision, serializeConsentDecision } from './consent.ts';
export { parsePlan, serializePlan } from './plan.ts';
export {
  MAX_MESSAGE_BYTES, MESSAGE_TYPES, messageClass, parseMessage, serializeMessage,
  parseAnnouncement, parseContribution, parseConfirmation, parsePartialAggregate,
  serializeAnnouncement, serializeContribution, serializeConfirmation, serializePartialAggregate,
} from './messages.ts';
export { parseResult, serializeResult } from './result.ts';
export { parseRegistration, serializeRegistration } from './registration.ts';
export { serializePresence } from './presence.ts';
export { checkSelection, selectionProblems, type SelectionProblem } from './sparql-check.ts';
export { encodeMultikey, decodeMultikey, base58btcEncode, base58btcDecode, type KeyType } from './multikey.ts';
export { ontologyTurtle, ontologyJsonLd, turtleToJsonLd } from './ontology.ts';
export { shapesTurtle } from './shacl.ts';
export { containerMembers } from './container.ts';
export { aclQuads, aclTurtle, type AclRule, type Mode } from './acl.ts';
export { readAgentProfile, agentProfileQuads, existingAgentQuads, sparqlUpdate, type AgentProfile, type RetiredKeys } from './profile.ts';
export { Graph } from './graph.ts';
