// The typed form of every podagg document. `query-vocab/` turns RDF into these and back;
// `agent/core/` computes over them and never sees RDF. Identifiers are plain strings
// (WebIDs and document IRIs), byte payloads are Uint8Array.

export type WebId = string;

/** A half-open bin [lower, upper); the last bin of a histogram also takes `upper`. */
export interface Bin {
  lower: number;
  upper: number;
}

/** A grouped aggregate computes one block per key of a declared domain. */
export interface GroupBy {
  /** SELECT variable (without '?') whose value picks the block. */
  variable: string;
  /** The declared key domain, in order; rows with another key are ignored. */
  keys: string[];
}

/** What every aggregate has, whatever its kind. */
interface AggregateBase {
  /** IRI of the aggregate node in the query document. */
  id: string;
  groupBy?: GroupBy;
  /** 'people': each contributor counts once (its rows are averaged first); 'rows': every row counts. */
  unit: 'rows' | 'people';
  /** Rows one contributor may add when unit is 'rows' (bounds the ring); default 1000. */
  maxRows?: number;
}

/** The kinds that sum values clip them to declared bounds, then encode them in fixed point. */
interface Bounded {
  lower: number;
  upper: number;
  /** Decimal digits kept by the fixed-point encoding (0 = integers); default 0. */
  precision?: number;
}

export interface CountSpec extends AggregateBase {
  kind: 'Count';
}

export interface SumSpec extends AggregateBase, Bounded {
  kind: 'Sum';
  /** SELECT variable read. */
  variable: string;
}

export interface MeanSpec extends AggregateBase, Bounded {
  kind: 'Mean';
  variable: string;
}

/** The population variance: Σ(x − mean)² / n. */
export interface VarianceSpec extends AggregateBase, Bounded {
  kind: 'Variance';
  variable: string;
}

/** The sample variance, with Bessel's correction: Σ(x − mean)² / (n − 1); undefined (NaN) below two values. */
export interface SampleVarianceSpec extends AggregateBase, Bounded {
  kind: 'SampleVariance';
  variable: string;
}

export interface HistogramSpec extends AggregateBase {
  kind: 'Histogram';
  variable: string;
  /** In order, non-overlapping. */
  bins: Bin[];
}

export interface VectorSumSpec extends AggregateBase, Bounded {
  kind: 'VectorSum';
  /** The SELECT variables forming the vector, in order (dimension = length). */
  variables: string[];
}

/** What a trainer reads from each row besides its label. */
export type TrainingInput =
  /** A text, tokenized by the agent; each declared token present is a feature (1), the rest are ignored. */
  | { kind: 'tokens'; variable: string; vocabulary: string[] }
  /** Numeric SELECT variables, in order. */
  | { kind: 'features'; variables: string[] };

interface TrainerBase {
  /** SELECT variable (without '?') holding the row's class. */
  label: string;
  /** The declared classes, in order; rows of another class are skipped. */
  classes: string[];
}

/** Multinomial naive Bayes: the update is per class [rows, count of each token]. */
export interface NaiveBayesTrainer extends TrainerBase {
  kind: 'NaiveBayes';
  input: Extract<TrainingInput, { kind: 'tokens' }>;
}

/** Multinomial logistic regression by mini-batch SGD from the current model; weights clipped to the bounds. */
export interface LogisticRegressionTrainer extends TrainerBase, Bounded {
  kind: 'LogisticRegression';
  input: TrainingInput;
  epochs: number;
  learningRate: number;
  batchSize: number;
}

export type Trainer = NaiveBayesTrainer | LogisticRegressionTrainer;

/** A model update computed by each agent with a built-in trainer (unit rows: maxRows caps the rows trained on). */
export interface TrainingSpec extends AggregateBase {
  kind: 'Training';
  trainer: Trainer;
  /** The model document training starts from: required for logistic regression, absent for naive Bayes (counts need none). */
  model?: string;
}

/** Correct predictions of a model over each contributor's rows: [correct, rows, Σ loss]. */
export interface EvaluationSpec extends AggregateBase {
  kind: 'Evaluation';
  trainer: Trainer;
  model: string;
}

export type AggregateSpec = CountSpec | SumSpec | MeanSpec | VarianceSpec | SampleVarianceSpec | HistogramSpec | VectorSumSpec | TrainingSpec | EvaluationSpec;

/** The kinds an agent computes with a model or a trainer, not from the rows alone. */
export type ComputedSpec = TrainingSpec | EvaluationSpec;

/** A model document: parameters in row-major order with their shape and declared bound. */
export interface Model {
  id: string;
  shape: number[];
  maxParameters: number;
  parameters: Float64Array;
  /** The previous round's model. */
  derivedFrom?: string;
  /** The training query whose result this model is. */
  generatedBy?: string;
}

/** The kinds that clip values to bounds. */
export type BoundedSpec = SumSpec | MeanSpec | VarianceSpec | SampleVarianceSpec | VectorSumSpec;

export type AggregateKind = AggregateSpec['kind'];

export type StrategyName = 'LowCost' | 'HighCompleteness' | 'SafeAndPrompt' | 'Hybrid' | 'Threshold';

/** The integer noise a differentially private query's root positions add. */
export type NoiseMechanism = 'DiscreteGaussian' | 'DiscreteLaplace';

/**
 * A query's differential-privacy declaration. The per-person bounds it relies on are its
 * aggregates' own (clipping bounds, pa:maxRows), so the sensitivity is derived, never declared.
 */
export interface DifferentialPrivacy {
  mechanism: NoiseMechanism;
  /** ε > 0 for the whole result (every aggregate together). */
  epsilon: number;
  /** δ in (0, 1) for the discrete Gaussian; absent for the discrete Laplace (pure ε-DP). */
  delta?: number;
  /** Post-processing: counts the noise made negative are published as 0. */
  clampNegativeCounts: boolean;
}

export interface AggregationQuery {
  /** IRI of the query document (its subject). */
  id: string;
  title: string;
  querier: WebId;
  /** IRI of the population directory container. */
  population: string;
  /** SPARQL SELECT, as text. */
  selection: string;
  aggregates: AggregateSpec[];
  /** DPV purpose concept IRIs. */
  purposes: string[];
  minContributors: number;
  /** ISO 8601 date-time. */
  deadline: string;
  /** Estimated fraction (0, 1] of the population that will contribute. */
  expectedSelectivity: number;
  /**
   * Members that consent but match nothing contribute a zero vector instead of abstaining,
   * so the aggregators cannot tell who matched the selection (default false).
   */
  hideParticipation: boolean;
  /**
   * Each contribution carries a Prio3 proof that it is a valid encoding of in-range values;
   * the leaf group checks it and drops invalid ones (default false).
   */
  validated: boolean;
  /** IRI of the plan document, once published. */
  plan?: string;
  /** Hex nonce seeding the sortition, once published. */
  nonce?: string;
  /** Plan parameters the querier fixes by hand; the planner fills in the rest. */
  fixedParams?: Partial<PlanParams>;
  /** Present when the result is released with noise (dp-release.ts in the core). */
  differentialPrivacy?: DifferentialPrivacy;
}

/** The ε an owner grants over any window of `periodDays` days, to each querier or to each purpose. */
export interface PrivacyBudget {
  epsilon: number;
  periodDays: number;
  per: 'querier' | 'purpose';
}

export interface ConsentPolicy {
  id: string;
  owner: WebId;
  /** DPV purpose IRIs accepted. */
  purposes: string[];
  /** WebIDs of accepted queriers; empty together with anyQuerier=true means anyone. */
  queriers: WebId[];
  anyQuerier: boolean;
  /** Container or resource IRIs the agent may query (the data scope). */
  dataScope: string[];
  /**
   * RDF classes whose registrations in the owner's type indexes (their instances and
   * instance containers) join the data scope, resolved each time consent is given.
   */
  dataClasses: string[];
  /** Refuse plans whose groups are smaller than this. */
  minGroupSize: number;
  /** Refuse queries whose minContributors is below this. */
  minContributors: number;
  /** At most this many accepted queries per rolling 24 hours. */
  maxQueriesPerDay: number;
  /** The ε differentially private queries may spend (basic composition over the consent log). */
  privacyBudget?: PrivacyBudget;
  /** The largest ε one query may ask. */
  maxEpsilonPerQuery?: number;
  /** Refuse every query that declares no differential privacy (default false). */
  requireDifferentialPrivacy?: boolean;
}

export interface ConsentDecision {
  id: string;
  owner: WebId;
  query: string;
  accepted: boolean;
  /** Which rule decided, in one readable sentence. */
  reason: string;
  /** ISO 8601 date-time. */
  at: string;
  /** The documents the selection may read: the data scope as resolved for this decision (none when refused). */
  documents: string[];
  /** The query's querier and purposes, which a privacy budget is kept per (absent in decisions logged before budgets). */
  querier?: WebId;
  purposes?: string[];
  /** What an accepted differentially private query spends of the budget. */
  epsilon?: number;
  delta?: number;
}

export interface Timeouts {
  /** How long a leaf waits for contributions after the announcement. */
  collectMs: number;
  /** How long a group waits for its peers when synchronising. */
  syncMs: number;
  /** How long an inner group waits for its children. */
  childMs: number;
}

export interface PlanParams {
  depth: number;
  fanout: number;
  groupSize: number;
  /** Shares needed to reconstruct: equals groupSize for additive sharing. */
  threshold: number;
  strategy: StrategyName;
  backupRatio: number;
  timeouts: Timeouts;
}

export interface PlanGroup {
  /** Path from the root: 'g' for the root, 'g.0', 'g.0.3', … */
  id: string;
  level: number;
  parent: string | null;
  members: WebId[];
}

export interface AggregationPlan {
  id: string;
  query: string;
  nonce: string;
  params: PlanParams;
  /** Root first, then level by level. */
  groups: PlanGroup[];
  backups: WebId[];
  /** Population member → leaf group id. */
  zones: Record<WebId, string>;
  /**
   * Run keys pinned in the plan itself: the querier's, whom every agent may write to.
   * Everyone else's are in the key sheets.
   */
  runKeys?: Record<WebId, PinnedPeer>;
  /** The key sheets, one per group and one per leaf's zone, each bound to the plan by its digest. */
  keySheets?: KeySheetRef[];
  /**
   * The instant every deadline of the run counts from (the querier's clock at publication),
   * so the whole tree keeps one schedule; without it each agent counts from its own start.
   */
  startsAt?: string;
}

/** What a key sheet pins: a group's candidates, or those and the leaf's zone. */
export interface SheetScope {
  kind: 'group' | 'zone';
  group: string;
}

export interface KeySheetRef extends SheetScope {
  sheet: string;
  /** SHA-256 of the sheet's pins (core/key-sheets.ts), hex. */
  sha256: string;
}

/**
 * The public keys and inbox each participant of one group's neighbourhood uses for the
 * whole run (the group's candidates and, in a zone sheet, the leaf's zone), pinned at publication from
 * the population: every agent seals to, verifies with and posts to these, whenever it joins
 * the run, so a key rotation during the run changes nothing for it, and no agent but the
 * querier reads the population.
 */
export interface KeySheet extends SheetScope {
  id: string;
  plan: string;
  runKeys: Record<WebId, PinnedPeer>;
}

export interface PinnedPeer extends PublicKeys {
  inbox: string;
}

/** Raw 32-byte public keys: X25519 to seal to, Ed25519 to verify. */
export interface PublicKeys {
  x25519: Uint8Array;
  ed25519: Uint8Array;
}

// ---- messages -------------------------------------------------------------------------

interface MessageBase {
  /** IRI of the query this message belongs to. */
  query: string;
  sender: WebId;
  recipient: WebId;
  /** ISO 8601 date-time at the sender. */
  sentAt: string;
  /** Ed25519 signature over the canonical bytes of every other field. */
  signature: Uint8Array;
}

export interface Announcement extends MessageBase {
  type: 'Announcement';
  plan: string;
}

export interface Contribution extends MessageBase {
  type: 'Contribution';
  /** Leaf group and member index the share is for. */
  group: string;
  position: number;
  /** The contributor's consent statement: the decision it recorded. */
  consent: string;
  sealed: Uint8Array;
}

/** A zone member sends no share: said to each position of its leaf group, with no reason. */
export interface Abstention extends MessageBase {
  type: 'Abstention';
  group: string;
  position: number;
}

/**
 * An aggregator gives up its position under full propagation (an input can no longer come):
 * said to the same position of the parent group, or to the querier from the root, so the
 * run ends now rather than at the querier's deadline.
 */
export interface Withdrawal extends MessageBase {
  type: 'Withdrawal';
  /** The sending group and the sender's position in it. */
  group: string;
  position: number;
}

export interface Confirmation extends MessageBase {
  type: 'Confirmation';
  group: string;
  position: number;
  /** Contributor (or child group) ids this member holds, sorted. */
  contributors: string[];
  /** Validated queries, at a leaf: the member's Prio3 prep shares for those contributors, sealed. */
  sealed?: Uint8Array;
}

/** Validated queries: a leaf member's random part of the group's verification key, sealed to each other member. */
export interface KeySeed extends MessageBase {
  type: 'KeySeed';
  group: string;
  position: number;
  sealed: Uint8Array;
}

export interface PartialAggregate extends MessageBase {
  type: 'PartialAggregate';
  /** The sending group and the sender's position in it. */
  group: string;
  position: number;
  versionId: string;
  counter: number;
  /** Contributors included in this sum, and those that sent shares into the subtree. */
  included: number;
  received: number;
  /** true: no better version will follow from the sender unless an aggregator fails. */
  final?: boolean;
  /** Validated queries: contributions the subtree's leaves rejected as invalid. */
  rejected?: number;
  sealed: Uint8Array;
}

export type Message = Announcement | Contribution | Abstention | Withdrawal | Confirmation | KeySeed | PartialAggregate;

// ---- result ---------------------------------------------------------------------------

export type AggregateValue =
  | { kind: 'scalar'; value: number }
  | { kind: 'vector'; values: number[] }
  | { kind: 'histogram'; bins: Bin[]; counts: number[] }
  | { kind: 'grouped'; keys: string[]; values: AggregateValue[] };

export interface ResultValue {
  aggregate: string;
  kind: AggregateKind;
  value: AggregateValue;
  /** A noisy value's interval: bounds shaped as the value (each scalar, count or element between them). */
  interval?: { lower: AggregateValue; upper: AggregateValue };
  /** A noisy value's statistics (its sum, sum of squares, count) with their derived sensitivity and noise scale. */
  noise?: NoisePart[];
}

/** One statistic of a noisy aggregate: how far one person moves it and the noise each root position added to it. */
export interface NoisePart {
  statistic: 'sum' | 'squares' | 'count';
  /** In fixed-point units: L1 for the discrete Laplace, L2 for the discrete Gaussian. */
  sensitivity: number;
  /** The discrete Laplace's scale or the discrete Gaussian's σ, in fixed-point units. */
  scale: number;
}

/** How a differentially private result was released: the declaration, and how to read its intervals. */
export interface PrivacyRelease extends DifferentialPrivacy {
  /** Independent draws each published sum carries: one per root position reconstructed. */
  noiseTerms: number;
  /** The probability each value's interval holds the value without noise. */
  confidence: number;
}

export interface AggregationResult {
  id: string;
  query: string;
  plan: string;
  values: ResultValue[];
  contributors: number;
  /** Included contributors / contributors that sent shares, in [0, 1]. */
  completeness: number;
  strategy: StrategyName;
  startedAt: string;
  endedAt: string;
  generatedBy: WebId;
  privacy?: PrivacyRelease;
  /** Validated queries: contributions rejected as invalid (not counted in `contributors`). */
  rejected?: number;
}

export interface Registration extends PublicKeys {
  webId: WebId;
  inbox: string;
  /** The registrant's Ed25519 signature binding all of the above to one population. */
  signature?: Uint8Array;
}
