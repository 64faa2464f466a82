// A training or evaluation aggregate's pa:trainer node: which built-in trainer, what it reads
// from each row, and its hyper-parameters. Read strictly: a property that does not apply to
// the trainer's class is a fault, as on aggregates.
import type { Term } from 'n3';
import type { Reader } from './reader.ts';
import { PA, RDF, compactIri } from './terms.ts';
import type { Trainer, TrainingInput } from './types.ts';
import { stripMark } from './variables.ts';
import { blank, int, iri, list, num, str, type Obj } from './write.ts';

const TRAINER_KINDS = ['NaiveBayes', 'LogisticRegression'] as const;

/** What a pa:Training or pa:Evaluation node may carry besides the common aggregate properties. */
export const TRAINING_PROPERTIES: readonly string[] = [PA.trainer, PA.model];

const SGD = [PA.epochs, PA.learningRate, PA.batchSize, PA.lower, PA.upper, PA.precision];

export function readTrainer(r: Reader, node: Term): Trainer {
  const types = r.all(node, RDF.type).map((t) => t.value);
  const kinds = TRAINER_KINDS.filter((k) => types.includes(PA[k]));
  if (kinds.length !== 1 && types.length > 0) {
    r.fault(node, RDF.type, `${kinds.length === 0 ? `unknown trainer ${types.map(compactIri).join(', ')}` : 'several trainers'}; expected pa:NaiveBayes or pa:LogisticRegression`);
  }
  const kind = kinds[0] ?? 'NaiveBayes';
  const label = stripMark(r.string(node, PA.label));
  const classes = readNames(r, node, PA.classes, 'class');
  if (classes.length === 1) r.fault(node, PA.classes, 'a classifier needs at least two classes');
  const input = readInput(r, node);
  if (kind === 'NaiveBayes') {
    for (const p of SGD.filter((p) => r.all(node, p).length > 0)) r.fault(node, p, 'does not apply to a pa:NaiveBayes');
    if (input.kind !== 'tokens') {
      r.fault(node, PA.variables, 'naive Bayes reads tokens: give pa:variable (a text) and pa:vocabulary instead');
      return { kind, label, classes, input: { kind: 'tokens', variable: '', vocabulary: [] } };
    }
    return { kind, label, classes, input };
  }
  return {
    kind, label, classes, input,
    epochs: r.integer(node, PA.epochs),
    learningRate: r.number(node, PA.learningRate),
    batchSize: r.integer(node, PA.batchSize),
    lower: r.number(node, PA.lower),
    upper: r.number(node, PA.upper),
    precision: r.integer(node, PA.precision, true) ?? 0,
  };
}

/** A text with its vocabulary, or numeric features: one or the other. */
function readInput(r: Reader, node: Term): TrainingInput {
  const text = r.all(node, PA.variable).length > 0 || r.all(node, PA.vocabulary).length > 0;
  const features = r.all(node, PA.variables).length > 0;
  if (text && features) r.fault(node, PA.variables, 'give a text (pa:variable and pa:vocabulary) or features (pa:variables), not both');
  if (!text && !features) r.fault(node, PA.variable, 'the trainer reads nothing: give pa:variable and pa:vocabulary, or pa:variables');
  if (features) return { kind: 'features', variables: readNames(r, node, PA.variables, 'variable').map(stripMark) };
  return { kind: 'tokens', variable: stripMark(r.string(node, PA.variable)), vocabulary: readNames(r, node, PA.vocabulary, 'token') };
}

/** A non-empty list of distinct strings. */
function readNames(r: Reader, node: Term, property: string, what: string): string[] {
  const names = r.list(node, property).map((t) => r.asString(node, property, t));
  if (names.length === 0) r.fault(node, property, `the ${what} list is empty`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) r.fault(node, property, `${what} ${JSON.stringify(twice)} is listed twice`);
  return names;
}

export function writeTrainer(t: Trainer): Obj {
  const input: Array<[string, Obj]> = t.input.kind === 'tokens'
    ? [[PA.variable, str(t.input.variable)], [PA.vocabulary, list(t.input.vocabulary.map(str))]]
    : [[PA.variables, list(t.input.variables.map(str))]];
  const common: Array<[string, Obj]> = [[RDF.type, iri(PA[t.kind])], [PA.label, str(t.label)], [PA.classes, list(t.classes.map(str))], ...input];
  if (t.kind === 'NaiveBayes') return blank(...common);
  return blank(
    ...common,
    [PA.epochs, int(t.epochs)],
    [PA.learningRate, num(t.learningRate)],
    [PA.batchSize, int(t.batchSize)],
    [PA.lower, num(t.lower)],
    [PA.upper, num(t.upper)],
    [PA.precision, int(t.precision ?? 0)],
  );
}
