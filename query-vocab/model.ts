// A model document: the parameters as one base64 literal of little-endian IEEE 754 doubles
// (row-major), with their shape and a declared bound on their number, so that a reader
// refuses an oversized model before decoding it, and a model of 10^5 weights is one triple,
// not 10^5.
import { openDocument } from './document.ts';
import { PA, PROV, RDF, compactIri } from './terms.ts';
import type { Model } from './types.ts';
import { TurtleDoc, bytes, int, iri, list } from './write.ts';

/** Characters of the base64 form of n doubles. */
export const base64Length = (parameters: number) => 4 * Math.ceil((8 * parameters) / 3);

export function parseModel(turtle: string, baseIri: string): Model {
  const { reader: r, node } = openDocument(turtle, baseIri, PA.Model);
  const shape = r.list(node, PA.shape).map((t) => r.asInteger(node, PA.shape, t));
  if (shape.length === 0 || shape.some((d) => d < 1)) r.fault(node, PA.shape, `shape (${shape.join(' ')}) must list one or more dimensions of at least 1`);
  const maxParameters = r.integer(node, PA.maxParameters);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > maxParameters) r.fault(node, PA.shape, `shape (${shape.join(' ')}) holds ${count} parameters, above the declared pa:maxParameters ${maxParameters}`);
  const literal = r.one(node, PA.parameters);
  let parameters: Float64Array = new Float64Array(0);
  if (literal && literal.value.length > base64Length(maxParameters)) {
    r.fault(node, PA.parameters, `${literal.value.length} base64 characters hold more than the declared pa:maxParameters ${maxParameters}; not decoded`);
  } else if (literal) {
    const raw = r.bytes(node, PA.parameters);
    if (raw.length % 8 !== 0) r.fault(node, PA.parameters, `${raw.length} bytes are not a whole number of 8-byte doubles`);
    else if (raw.length / 8 !== count) r.fault(node, PA.parameters, `${raw.length / 8} parameters, but the shape (${shape.join(' ')}) holds ${count}`);
    else {
      parameters = decodeDoubles(raw);
      const bad = parameters.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) r.fault(node, PA.parameters, `parameter ${bad} is ${parameters[bad]}, not a finite number`);
    }
  }
  const model: Model = { id: node.value, shape, maxParameters, parameters };
  const derivedFrom = r.iri(node, PROV.wasDerivedFrom, true);
  if (derivedFrom !== undefined) model.derivedFrom = derivedFrom;
  const generatedBy = r.iri(node, PA.query, true);
  if (generatedBy !== undefined) model.generatedBy = generatedBy;
  r.throwIfAny();
  return model;
}

export function serializeModel(m: Model): string {
  const s = iri(m.id);
  return new TurtleDoc()
    .add(s, RDF.type, iri(PA.Model))
    .add(s, PA.shape, list(m.shape.map(int)))
    .add(s, PA.maxParameters, int(m.maxParameters))
    .add(s, PROV.wasDerivedFrom, m.derivedFrom === undefined ? undefined : iri(m.derivedFrom))
    .add(s, PA.query, m.generatedBy === undefined ? undefined : iri(m.generatedBy))
    .add(s, PA.parameters, bytes(encodeDoubles(m.parameters)))
    .toString();
}

/** A model's shape against the one a trainer needs: a sentence naming the difference, or null. */
export function shapeMismatch(model: Model, expected: readonly number[]): string | null {
  const same = model.shape.length === expected.length && model.shape.every((d, i) => d === expected[i]);
  return same ? null : `<${model.id}> ${compactIri(PA.shape)}: the model has shape (${model.shape.join(' ')}), the query's trainer needs (${expected.join(' ')})`;
}

function decodeDoubles(raw: Uint8Array): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(raw.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

function encodeDoubles(values: Float64Array): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i], true);
  return raw;
}
