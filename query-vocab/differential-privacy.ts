// Differential privacy in RDF: a query declares it, and its result records how it was
// released, as a node of DPV's dpv:DifferentialPrivacy (a technical measure) linked with
// dpv:hasTechnicalMeasure. DPV names the technique but has no property for its parameters,
// so the mechanism, ε, δ, the sensitivity and the noise scale are podagg's own terms.

import type { Term } from 'n3';
import type { Reader } from './reader.ts';
import { DPV, PA, RDF } from './terms.ts';
import type { DifferentialPrivacy, NoiseMechanism, NoisePart, PrivacyRelease } from './types.ts';
import { blank, bool, int, iri, num, str, type Obj } from './write.ts';

const NOISE_MECHANISMS: readonly NoiseMechanism[] = ['DiscreteGaussian', 'DiscreteLaplace'];

/** The subject's differential-privacy node, if it declares one (at most one; other technical measures are left alone). */
export function privacyNode(r: Reader, subject: Term): Term | undefined {
  const nodes = r.all(subject, DPV.hasTechnicalMeasure).filter((m) => r.all(m, RDF.type).some((t) => t.value === DPV.DifferentialPrivacy));
  if (nodes.length > 1) r.fault(subject, DPV.hasTechnicalMeasure, `declares ${nodes.length} dpv:DifferentialPrivacy nodes where one is allowed`);
  return nodes[0];
}

/** The declaration; the shapes check ε > 0 and δ in (0, 1), this the mechanism's needs. */
export function readDifferentialPrivacy(r: Reader, node: Term): DifferentialPrivacy {
  const mechanismIri = r.iri(node, PA.mechanism);
  const mechanism = NOISE_MECHANISMS.find((m) => PA[m] === mechanismIri) ?? 'DiscreteGaussian';
  const delta = r.number(node, PA.delta, true);
  if (mechanismIri === PA.DiscreteGaussian && delta === undefined) {
    r.fault(node, PA.delta, 'the discrete Gaussian gives (ε, δ)-differential privacy: declare δ, e.g. pa:delta 1e-6');
  }
  if (mechanismIri === PA.DiscreteLaplace && delta !== undefined) {
    r.fault(node, PA.delta, 'the discrete Laplace gives pure ε-differential privacy: δ does not apply');
  }
  const clamp = r.all(node, PA.clampNegativeCounts).length > 0 ? r.boolean(node, PA.clampNegativeCounts) : false;
  return { mechanism, epsilon: r.number(node, PA.epsilon), ...(delta === undefined ? {} : { delta }), clampNegativeCounts: clamp };
}

function declarationPairs(dp: DifferentialPrivacy): Array<[string, Obj | undefined]> {
  return [
    [RDF.type, iri(DPV.DifferentialPrivacy)],
    [PA.mechanism, iri(PA[dp.mechanism])],
    [PA.epsilon, num(dp.epsilon)],
    [PA.delta, dp.delta === undefined ? undefined : num(dp.delta)],
    [PA.clampNegativeCounts, bool(dp.clampNegativeCounts)],
  ];
}

export function writeDifferentialPrivacy(dp: DifferentialPrivacy): Obj {
  return blank(...declarationPairs(dp));
}

/** A result's release: the declaration, the draws its sums carry and its intervals' confidence. */
export function readPrivacyRelease(r: Reader, node: Term): PrivacyRelease {
  return { ...readDifferentialPrivacy(r, node), noiseTerms: r.integer(node, PA.noiseTerms), confidence: r.number(node, PA.confidence) };
}

export function writePrivacyRelease(p: PrivacyRelease): Obj {
  return blank(...declarationPairs(p), [PA.noiseTerms, int(p.noiseTerms)], [PA.confidence, num(p.confidence)]);
}

const STATISTICS: ReadonlyArray<NoisePart['statistic']> = ['sum', 'squares', 'count'];

/** A noisy value's statistic: `[ pa:statistic "count" ; pa:sensitivity 1 ; pa:noiseScale 4.53 ]`. */
export function readNoisePart(r: Reader, node: Term): NoisePart {
  const name = r.string(node, PA.statistic);
  const statistic = STATISTICS.find((s) => s === name);
  if (!statistic) r.fault(node, PA.statistic, `unknown statistic ${JSON.stringify(name)}; expected one of ${STATISTICS.join(', ')}`);
  return { statistic: statistic ?? 'count', sensitivity: r.number(node, PA.sensitivity), scale: r.number(node, PA.noiseScale) };
}

export function writeNoisePart(p: NoisePart): Obj {
  return blank([PA.statistic, str(p.statistic)], [PA.sensitivity, num(p.sensitivity)], [PA.noiseScale, num(p.scale)]);
}
