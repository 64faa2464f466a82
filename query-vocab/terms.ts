// Every IRI the project uses, as typed constants. This is the only module (with the
// Turtle files next to it) where IRIs are written out; everything else imports them.

/** A namespace: its base IRI (`$`) and one constant per local name it declares. */
export type Namespace<K extends string> = { readonly $: string } & { readonly [L in K]: string };

/** Declares the local names used from a namespace, so a typo is a type error. */
function namespace<const K extends string>(base: string, locals: readonly K[]): Namespace<K> {
  const terms: Record<string, string> = { $: base };
  for (const local of locals) terms[local] = base + local;
  return terms as Namespace<K>;
}

export const PA = namespace('https://w3id.org/podagg#', [
  // queries and aggregates
  'AggregationQuery', 'Aggregate', 'Count', 'Sum', 'Mean', 'Variance', 'SampleVariance', 'Histogram', 'VectorSum',
  'Bin', 'GroupBy', 'Unit', 'People', 'Rows',
  'querier', 'population', 'selection', 'aggregate', 'minContributors', 'deadline',
  'expectedSelectivity', 'plan', 'nonce', 'fixedParams', 'hideParticipation', 'validateContributions',
  'variable', 'variables', 'dimension', 'lower', 'upper', 'precision', 'bin', 'groupBy', 'keys',
  'unit', 'maxRows',
  // training: a declared computation the agents run, and the model documents it reads
  'Training', 'Evaluation', 'Trainer', 'NaiveBayes', 'LogisticRegression', 'Model',
  'trainer', 'model', 'label', 'classes', 'vocabulary', 'epochs', 'learningRate', 'batchSize',
  'shape', 'maxParameters', 'parameters',
  // differential privacy: the query's declaration, the result's release, the owner's budget
  'NoiseMechanism', 'DiscreteGaussian', 'DiscreteLaplace', 'mechanism', 'epsilon', 'delta', 'clampNegativeCounts',
  'noise', 'statistic', 'sensitivity', 'noiseScale', 'noiseTerms', 'confidence', 'intervalLower', 'intervalUpper',
  'PrivacyBudget', 'privacyBudget', 'periodDays', 'budgetPer', 'PerQuerier', 'PerPurpose',
  'maxEpsilonPerQuery', 'requireDifferentialPrivacy',
  // consent
  'ConsentPolicy', 'ConsentDecision',
  'owner', 'acceptedQuerier', 'anyQuerier', 'dataScope', 'dataClass', 'minGroupSize', 'maxQueriesPerDay',
  'query', 'accepted', 'reason', 'scopeDocument',
  // plans
  'AggregationPlan', 'PlanParameters', 'Timeouts', 'Group', 'KeySheet',
  'Strategy', 'LowCost', 'HighCompleteness', 'SafeAndPrompt', 'Hybrid', 'Threshold',
  'depth', 'fanout', 'groupSize', 'threshold', 'strategy', 'backupRatio', 'timeouts',
  'collectMs', 'syncMs', 'childMs', 'groups', 'groupId', 'level', 'parentGroup', 'members',
  'backups', 'zoneMembers', 'member', 'runKeys', 'RunKeys', 'startsAt', 'keySheet', 'sheet', 'sha256', 'zoneOf',
  // messages
  'Message', 'Announcement', 'Contribution', 'Abstention', 'Withdrawal', 'Confirmation', 'KeySeed', 'PartialAggregate',
  'group', 'position', 'consent', 'sealed', 'signature', 'contributor', 'versionId', 'counter',
  'included', 'received', 'final', 'rejected',
  // results
  'AggregationResult', 'ResultValue', 'AggregateValue', 'ScalarValue', 'VectorValue',
  'HistogramValue', 'GroupedValue',
  'values', 'forAggregate', 'kind', 'value', 'scalar', 'vector', 'counts', 'groupValues', 'contributors',
  'completeness',
  // population
  'Population', 'Registration', 'webId',
  // liveness
  'Presence', 'presenceOf',
]);

/** The synthetic data vocabulary of the examples (see example.ttl). */
export const EX = namespace('https://w3id.org/podagg/example#', [
  'DailyActivity', 'steps', 'date',
  'BankAccount', 'BankOperation', 'account', 'amount', 'category', 'counterparty', 'direction',
  'Debit', 'Credit', 'description',
]);

export const RDF = namespace('http://www.w3.org/1999/02/22-rdf-syntax-ns#', [
  'type', 'first', 'rest', 'nil', 'List', 'Property', 'langString',
]);
export const RDFS = namespace('http://www.w3.org/2000/01/rdf-schema#', [
  'Class', 'label', 'comment', 'domain', 'range', 'subClassOf', 'subPropertyOf', 'seeAlso',
  'isDefinedBy', 'Literal', 'Resource',
]);
export const OWL = namespace('http://www.w3.org/2002/07/owl#', [
  'Ontology', 'Class', 'ObjectProperty', 'DatatypeProperty', 'NamedIndividual', 'versionInfo',
  'imports',
]);
export const XSD = namespace('http://www.w3.org/2001/XMLSchema#', [
  'string', 'boolean', 'integer', 'nonNegativeInteger', 'positiveInteger', 'decimal', 'double',
  'float', 'dateTime', 'date', 'duration', 'base64Binary', 'hexBinary', 'anyURI',
]);
export const LDP = namespace('http://www.w3.org/ns/ldp#', [
  'Resource', 'RDFSource', 'Container', 'BasicContainer', 'contains', 'inbox',
]);
export const DPV = namespace('https://w3id.org/dpv#', [
  'Purpose', 'hasPurpose', 'ResearchAndDevelopment', 'AcademicResearch', 'NonCommercialResearch',
  'CommercialResearch', 'ServiceOptimisation', 'PersonalisedAdvertising', 'Consent',
  'hasDataSubject', 'hasDataController', 'DifferentialPrivacy', 'hasTechnicalMeasure',
]);
export const ODRL = namespace('http://www.w3.org/ns/odrl/2/', [
  'Policy', 'Permission', 'Prohibition', 'permission', 'target', 'assignee', 'assigner',
  'action', 'use', 'constraint', 'purpose',
]);
export const PROV = namespace('http://www.w3.org/ns/prov#', [
  'Entity', 'Activity', 'Agent', 'wasGeneratedBy', 'wasAttributedTo', 'wasAssociatedWith',
  'used', 'startedAtTime', 'endedAtTime', 'generatedAtTime', 'wasDerivedFrom',
]);
export const AS = namespace('https://www.w3.org/ns/activitystreams#', [
  'Activity', 'Announce', 'Offer', 'Create', 'Add', 'Update', 'Remove', 'actor', 'to', 'object', 'target',
  'published', 'context', 'inReplyTo',
]);
export const SH = namespace('http://www.w3.org/ns/shacl#', [
  'NodeShape', 'PropertyShape', 'targetClass', 'targetObjectsOf', 'targetSubjectsOf', 'targetNode', 'target', 'property', 'path', 'datatype', 'minCount',
  'maxCount', 'message', 'name', 'in', 'class', 'node', 'nodeKind', 'IRI', 'Literal',
  'BlankNodeOrIRI', 'lessThan', 'minInclusive', 'maxInclusive', 'minExclusive', 'maxExclusive',
  'pattern', 'or', 'minLength', 'maxLength', 'hasValue', 'lessThanOrEquals',
  'LessThanOrEqualsConstraintComponent',
  'MinCountConstraintComponent', 'MaxCountConstraintComponent', 'DatatypeConstraintComponent',
  'NodeKindConstraintComponent', 'ClassConstraintComponent', 'InConstraintComponent',
  'LessThanConstraintComponent', 'MinInclusiveConstraintComponent',
  'MaxInclusiveConstraintComponent', 'MinExclusiveConstraintComponent',
  'MaxExclusiveConstraintComponent', 'PatternConstraintComponent', 'OrConstraintComponent',
  'NodeConstraintComponent', 'MinLengthConstraintComponent', 'MaxLengthConstraintComponent',
  'HasValueConstraintComponent',
]);
export const SEC = namespace('https://w3id.org/security#', [
  'Multikey', 'publicKeyMultibase', 'controller', 'multibase', 'verificationMethod',
  'assertionMethod', 'authentication', 'keyAgreementMethod', 'proofValue', 'expires',
]);
export const SOLID = namespace('http://www.w3.org/ns/solid/terms#', [
  'oidcIssuer', 'storage', 'publicTypeIndex', 'privateTypeIndex', 'TypeIndex', 'TypeRegistration',
  'forClass', 'instance', 'instanceContainer', 'account', 'updatesViaStreamingHttp2023', 'storageDescription',
  'InsertDeletePatch', 'inserts', 'deletes',
]);
export const PIM = namespace('http://www.w3.org/ns/pim/space#', ['storage', 'preferencesFile', 'Storage']);
export const ACL = namespace('http://www.w3.org/ns/auth/acl#', [
  'Authorization', 'agent', 'agentClass', 'agentGroup', 'accessTo', 'default', 'mode', 'origin',
  'Read', 'Write', 'Append', 'Control', 'AuthenticatedAgent', 'accessControl', 'owner',
]);
export const ACP = namespace('http://www.w3.org/ns/solid/acp#', [
  'AccessControlResource', 'AccessControl', 'Policy', 'Matcher', 'resource', 'accessControl',
  'memberAccessControl', 'apply', 'allow', 'deny', 'anyOf', 'allOf', 'noneOf', 'agent', 'PublicAgent',
  'AuthenticatedAgent',
]);
export const FOAF = namespace('http://xmlns.com/foaf/0.1/', [
  'Agent', 'Person', 'PersonalProfileDocument', 'Document', 'name', 'age', 'primaryTopic',
  'maker',
]);
export const VCARD = namespace('http://www.w3.org/2006/vcard/ns#', [
  'fn', 'hasEmail', 'bday', 'Individual', 'role', 'hasAddress', 'region',
]);
export const QB = namespace('http://purl.org/linked-data/cube#', [
  'DataSet', 'Observation', 'Slice', 'dataSet', 'structure', 'DimensionProperty',
  'MeasureProperty',
]);
export const DCTERMS = namespace('http://purl.org/dc/terms/', [
  'title', 'description', 'created', 'modified', 'creator', 'license', 'conformsTo', 'source',
]);
export const SCHEMA = namespace('https://schema.org/', [
  'Person', 'MonetaryAmount', 'amount', 'currency', 'name', 'birthDate', 'dateCreated',
]);
export const NOTIFY = namespace('http://www.w3.org/ns/solid/notifications#', [
  'WebSocketChannel2023', 'WebhookChannel2023', 'channelType', 'topic', 'sendTo', 'receiveFrom',
  'subscription',
]);
/** The JSON-LD context of the Solid Notifications Protocol's subscriptions and notifications. */
export const NOTIFICATION_CONTEXT = 'https://www.w3.org/ns/solid/notification/v1';
export const POSIX = namespace('http://www.w3.org/ns/posix/stat#', ['mtime', 'size']);

/** Prefixes declared (when used) in Turtle output, and used to name terms in error messages. */
export const PREFIXES: Readonly<Record<string, string>> = {
  pa: PA.$,
  'pa-ex': EX.$,
  rdf: RDF.$,
  rdfs: RDFS.$,
  owl: OWL.$,
  xsd: XSD.$,
  ldp: LDP.$,
  dpv: DPV.$,
  odrl: ODRL.$,
  prov: PROV.$,
  as: AS.$,
  sh: SH.$,
  sec: SEC.$,
  solid: SOLID.$,
  pim: PIM.$,
  acl: ACL.$,
  acp: ACP.$,
  foaf: FOAF.$,
  vcard: VCARD.$,
  qb: QB.$,
  dcterms: DCTERMS.$,
  schema: SCHEMA.$,
  notify: NOTIFY.$,
  posix: POSIX.$,
};

/** The namespace document path, where the server serves the ontology. */
export const ONTOLOGY_IRI = 'https://w3id.org/podagg';

/** Shortens an IRI with the known prefixes (`pa:lower`), or brackets it (`<…>`). */
export function compactIri(iri: string): string {
  let best: [string, string] | undefined;
  for (const [prefix, base] of Object.entries(PREFIXES)) {
    if (iri.startsWith(base) && (!best || base.length > best[1].length)) best = [prefix, base];
  }
  if (best) {
    const local = iri.slice(best[1].length);
    if (/^[A-Za-z_][\w-]*$/.test(local)) return `${best[0]}:${local}`;
  }
  return `<${iri}>`;
}

/**
 * The base URL of a server on the loopback interface. Tests and local launchers build pod
 * URLs from it, so they never spell an IRI themselves.
 */
export function loopbackUrl(port: number, path = '/'): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad port ${port}`);
  return `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`;
}
