// The published result: decoded values per aggregate, completeness, provenance (PROV-O).
import type { Term } from 'n3';
import { openDocument } from './document.ts';
import { readStrategy } from './params.ts';
import { readBins } from './query.ts';
import type { Reader } from './reader.ts';
import { AGGREGATE_KINDS } from './query.ts';
import { DPV, PA, PROV, RDF } from './terms.ts';
import { privacyNode, readNoisePart, readPrivacyRelease, writeNoisePart, writePrivacyRelease } from './differential-privacy.ts';
import type { AggregateValue, AggregationResult, ResultValue } from './types.ts';
import { TurtleDoc, blank, dateTime, int, iri, list, num, str, type Obj } from './write.ts';

const VALUE_CLASSES = {
  scalar: PA.ScalarValue,
  vector: PA.VectorValue,
  histogram: PA.HistogramValue,
  grouped: PA.GroupedValue,
} as const;

export function parseResult(turtle: string, baseIri: string): AggregationResult {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.AggregationResult);
  const activity = r.one(node, PROV.wasGeneratedBy);
  const result: AggregationResult = {
    id: node.value,
    query: r.iri(node, PA.query),
    plan: r.iri(node, PA.plan),
    values: r.list(node, PA.values).map((v) => readResultValue(r, node, v)),
    contributors: r.integer(node, PA.contributors),
    completeness: r.number(node, PA.completeness),
    strategy: readStrategy(r, node) ?? 'LowCost',
    startedAt: activity ? r.dateTime(activity, PROV.startedAtTime) : '',
    endedAt: activity ? r.dateTime(activity, PROV.endedAtTime) : '',
    generatedBy: activity ? r.iri(activity, PROV.wasAssociatedWith) : '',
  };
  const privacy = privacyNode(r, node);
  if (privacy) result.privacy = readPrivacyRelease(r, privacy);
  const rejected = r.integer(node, PA.rejected, true);
  if (rejected !== undefined) result.rejected = rejected;
  r.throwIfAny();
  return result;
}

function readResultValue(r: Reader, owner: Term, node: Term): ResultValue {
  if (node.termType === 'Literal') {
    r.fault(owner, PA.values, 'each value must be a [ pa:forAggregate … ; pa:kind … ; pa:value … ] node');
    return { aggregate: '', kind: 'Count', value: { kind: 'scalar', value: 0 } };
  }
  const kindIri = r.iri(node, PA.kind);
  const kind = AGGREGATE_KINDS.find((k) => PA[k] === kindIri);
  if (!kind) r.fault(node, PA.kind, `unknown aggregate class <${kindIri}>`);
  const value = r.one(node, PA.value);
  const out: ResultValue = { aggregate: r.iri(node, PA.forAggregate), kind: kind ?? 'Count', value: value ? readValue(r, value, 0) : { kind: 'scalar', value: 0 } };
  const lower = r.one(node, PA.intervalLower, true);
  const upper = r.one(node, PA.intervalUpper, true);
  if (lower && upper) out.interval = { lower: readValue(r, lower, 0), upper: readValue(r, upper, 0) };
  else if (lower || upper) r.fault(node, lower ? PA.intervalUpper : PA.intervalLower, 'an interval needs both its bounds');
  const noise = r.all(node, PA.noise);
  if (noise.length > 0) out.noise = noise.map((n) => readNoisePart(r, n));
  return out;
}

function readValue(r: Reader, node: Term, depth: number): AggregateValue {
  const types = r.all(node, RDF.type).map((t) => t.value);
  const kind = (Object.keys(VALUE_CLASSES) as Array<keyof typeof VALUE_CLASSES>).find((k) => types.includes(VALUE_CLASSES[k]));
  switch (kind) {
    case 'scalar':
      return { kind, value: r.number(node, PA.scalar) };
    case 'vector':
      return { kind, values: r.list(node, PA.vector).map((t) => r.asNumber(node, PA.vector, t)) };
    case 'histogram':
      return { kind, bins: readBins(r, node, r.all(node, PA.bin)), counts: r.list(node, PA.counts).map((t) => r.asNumber(node, PA.counts, t)) };
    case 'grouped': {
      if (depth > 4) {
        r.fault(node, PA.groupValues, 'grouped values nest too deeply');
        return { kind, keys: [], values: [] };
      }
      const keys = r.list(node, PA.keys).map((t) => r.asString(node, PA.keys, t));
      const values = r.list(node, PA.groupValues).map((v) => readValue(r, v, depth + 1));
      if (keys.length !== values.length) r.fault(node, PA.groupValues, `${values.length} values for ${keys.length} keys`);
      return { kind, keys, values };
    }
    default:
      r.fault(node, RDF.type, 'the value needs a class: pa:ScalarValue, pa:VectorValue, pa:HistogramValue or pa:GroupedValue');
      return { kind: 'scalar', value: 0 };
  }
}

export function serializeResult(x: AggregationResult): string {
  const s = iri(x.id);
  return new TurtleDoc()
    .add(s, RDF.type, iri(PA.AggregationResult), iri(PROV.Entity))
    .add(s, PA.query, iri(x.query))
    .add(s, PA.plan, iri(x.plan))
    .add(s, PA.contributors, int(x.contributors))
    .add(s, PA.completeness, num(x.completeness))
    .add(s, PA.rejected, x.rejected === undefined ? undefined : int(x.rejected))
    .add(s, PA.strategy, iri(PA[x.strategy]))
    .add(s, PROV.wasGeneratedBy, blank(
      [RDF.type, iri(PROV.Activity)],
      [PROV.startedAtTime, dateTime(x.startedAt)],
      [PROV.endedAtTime, dateTime(x.endedAt)],
      [PROV.wasAssociatedWith, iri(x.generatedBy)],
      [PROV.used, iri(x.query)],
    ))
    .add(s, DPV.hasTechnicalMeasure, x.privacy && writePrivacyRelease(x.privacy))
    .add(s, PA.values, list(x.values.map((v) => blank(
      [PA.forAggregate, iri(v.aggregate)],
      [PA.kind, iri(PA[v.kind])],
      [PA.value, writeValue(v.value)],
      [PA.intervalLower, v.interval && writeValue(v.interval.lower)],
      [PA.intervalUpper, v.interval && writeValue(v.interval.upper)],
      ...(v.noise ?? []).map((n): [string, Obj] => [PA.noise, writeNoisePart(n)]),
    ))))
    .toString();
}

function writeValue(v: AggregateValue): Obj {
  const type: [string, Obj] = [RDF.type, iri(VALUE_CLASSES[v.kind])];
  switch (v.kind) {
    case 'scalar':
      return blank(type, [PA.scalar, num(v.value)]);
    case 'vector':
      return blank(type, [PA.vector, list(v.values.map(num))]);
    case 'histogram':
      return { blank: [type, ...v.bins.map((b): [string, Obj] => [PA.bin, blank([PA.lower, num(b.lower)], [PA.upper, num(b.upper)])]), [PA.counts, list(v.counts.map(num))]] };
    case 'grouped':
      return blank(type, [PA.keys, list(v.keys.map(str))], [PA.groupValues, list(v.values.map(writeValue))]);
  }
}
