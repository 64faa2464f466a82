// Named cost models for `podagg simulate --model`. 'podagg' is ours (the defaults of
// ExperimentConfig: crypto per seal/open, no compute per element, sends in parallel, only
// aggregators and backups fail, zones by hash, detection in 2 latencies). 'dissec2023' is
// the one of Mirval et al.'s simulator (github.com/cozy/dissec_cozy, simulation/src,
// unchanged since 2023-02), so our figures can stand beside theirs:
// - compute 50 µs per model element on every share or aggregate received, one after
//   another (sendContribution.ts:16, sendAggregate.ts:22, node.ts:110-113);
// - a contributor's share generation 2·k·m·50 µs, after 2 crypto operations of 10 ms
//   (requestContribution.ts:19,31);
// - (m−1)/6000 s to transmit a vector message, a node's sends queued
//   (startSendingContribution.ts:14-26, node.ts:196-209); control messages cost latency only;
// - every node but the querier fails, at a uniform time over [0, 1/rate] s (manager.ts:174-180);
// - detection 2·10·33 ms, replacement 852 ms = detection + 4 latencies + 6 crypto (failing.ts:53,73);
// - exactly `fanout` contributors per leaf, apart from the aggregators (treeNode.ts:49-67);
// - full propagation stops everyone (2·depth − d)·33 ms after the abort, d the aborting
//   node's height, 0 for a contributor (manager.ts:293-314).
// Their crypto is charged only at the request and on replacement paths, so ours is 0 here.

import type { ExperimentConfig } from './experiment.ts';

export type CostOptions = Pick<
  ExperimentConfig,
  'latency' | 'bandwidth' | 'cryptoMs' | 'computeMsPerElement' | 'elementsPerMs' | 'queueSends' | 'evaluateMs' | 'detectMs' | 'takeoverMs' | 'failing' | 'zones' | 'globalStop' | 'backupRatio'
>;

const LATENCY_MS = 33;
const CRYPTO_MS = 10;
const DETECT_MS = 2 * 10 * LATENCY_MS;

export const COST_PRESETS = {
  podagg: {
    latency: String(LATENCY_MS),
    bandwidth: Infinity,
    cryptoMs: CRYPTO_MS,
    computeMsPerElement: 0,
    queueSends: false,
    evaluateMs: 0,
    detectMs: 2 * LATENCY_MS,
    takeoverMs: 0,
    failing: 'roles',
    zones: 'hash',
    globalStop: false,
    backupRatio: 0.2,
  },
  dissec2023: {
    latency: String(LATENCY_MS),
    bandwidth: Infinity,
    cryptoMs: 0,
    computeMsPerElement: 0.05,
    elementsPerMs: 6,
    queueSends: true,
    evaluateMs: 2 * CRYPTO_MS,
    detectMs: DETECT_MS,
    takeoverMs: 4 * LATENCY_MS + 6 * CRYPTO_MS,
    failing: 'everyone',
    zones: 'exact',
    globalStop: true,
    backupRatio: 0.2,
  },
} satisfies Record<string, CostOptions>;

export type CostPresetName = keyof typeof COST_PRESETS;

export function isCostPreset(name: string): name is CostPresetName {
  return Object.hasOwn(COST_PRESETS, name);
}
