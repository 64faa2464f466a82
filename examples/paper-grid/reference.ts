// The follow-up paper's figures at depth 4, fanout 8, k 5, model 1024: means of the
// authors' CSVs (github.com/cozy/dissec_cozy, simulation/outputs/final/, docs/design.md),
// keyed by the share of nodes failing per second as our CSVs write it.

/** Completeness % and latency s per failure rate and strategy. */
export const THEIRS: Record<string, Record<string, readonly [number, number]>> = {
  '0': { LowCost: [100, 4.14], HighCompleteness: [100, 4.14], SafeAndPrompt: [100, 4.27], Hybrid: [100, 4.17] },
  '0.0025': { LowCost: [0, 1.3], HighCompleteness: [99.1, 7.5], SafeAndPrompt: [93.1, 4.17], Hybrid: [96.8, 5.1] },
  '0.005': { LowCost: [0, 1.19], HighCompleteness: [55.9, 35.3], SafeAndPrompt: [82.4, 4.15], Hybrid: [93.2, 5.9] },
  '0.01': { LowCost: [0, 1.14], HighCompleteness: [0, 29.7], SafeAndPrompt: [65.2, 4.16], Hybrid: [83.8, 8.6] },
};

/** Their `totalWork` per node at 0.5 %/s, in seconds. */
export const THEIR_WORK: Record<string, number> = { LowCost: 0.87, HighCompleteness: 34.0, SafeAndPrompt: 2.31, Hybrid: 3.65 };
