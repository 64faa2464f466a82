// Synthetic personal data for the examples, from a seed: each person has an age and a
// region, thirty days of step counts, and a month of bank operations with categories and
// the descriptions a bank statement gives them (a merchant and a payment means, some of
// them misleading, as real ones are: what the demo's classifier learns from).
// The same generator gives the Turtle written into the pods and, for the plain answers,
// the documents themselves.

import { DataFactory } from 'n3';
import { EX, FOAF, RDF, VCARD, XSD } from '../query-vocab/terms.ts';
import { TurtleDoc, iri, literal, num, str } from '../query-vocab/write.ts';
import { uniform } from '../agent/sim/rng.ts';

export interface Person {
  age: number;
  region: string;
  steps: number[];
  operations: Array<{ day: number; amount: number; category: string; debit: boolean; description: string }>;
}

export interface PersonDocuments {
  /** Path inside the pod → Turtle. */
  [path: string]: string;
}

export const REGIONS = ['north', 'south', 'east', 'west'];
export const CATEGORIES = ['groceries', 'rent', 'transport', 'leisure', 'health', 'other'];
export const MONTH = '2026-10';
/** The seed of the demo and of `podagg pods seed` unless told otherwise. */
export const DEFAULT_SEED = 7;

/** Statement wordings per category. */
const MERCHANTS: Record<string, string[]> = {
  groceries: ['TESCO METRO', 'CARREFOUR MARKET', 'LIDL', 'ALDI', 'BIOCOOP', 'BAKERY DUPONT', 'SUPERMARKET U'],
  rent: ['LANDLORD RENT', 'HOUSING ASSOC RENT', 'APARTMENT LEASE', 'RENT FOYER'],
  transport: ['SNCF TRAIN', 'UBER TRIP', 'METRO PASS', 'SHELL FUEL', 'PARKING CENTRE', 'TAXI G7'],
  leisure: ['CINEMA PATHE', 'NETFLIX', 'SPOTIFY', 'RESTAURANT LE ZINC', 'BAR DU COIN', 'CONCERT TICKETS', 'MUSEUM SHOP'],
  health: ['PHARMACY', 'DOCTOR CONSULT', 'DENTIST', 'CLINIC SAINT LUC', 'OPTICIAN'],
  other: ['AMAZON MARKETPLACE', 'PAYPAL TRANSFER', 'BANK FEE', 'ATM WITHDRAWAL', 'ONLINE PURCHASE'],
};
const MEANS = ['CARD 4411', 'CARD 4411 CONTACTLESS', 'ONLINE', 'PAYPAL'];

/** A statement line: a payment means and a merchant, one in ten from another category. */
function describe(category: string, rnd: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const from = rnd() < 0.1 ? pick(CATEGORIES) : category;
  const means = from === 'rent' ? 'SEPA DD' : pick(MEANS);
  return `${means} ${pick(MERCHANTS[from])} ${String(1 + Math.floor(rnd() * 9999)).padStart(4, '0')}`;
}

export function generatePerson(seed: number, index: number): Person {
  const rnd = uniform(seed * 100_003 + index);
  const age = 20 + Math.floor(rnd() * 66);
  const base = 3000 + rnd() * 9000 - Math.max(0, age - 60) * 80;
  const steps = Array.from({ length: 30 }, () => Math.max(0, Math.round(base + (rnd() - 0.5) * 6000)));
  const operations: Person['operations'] = [];
  const count = 10 + Math.floor(rnd() * 30);
  // Descriptions draw from a stream of their own, so every other value stays as it was.
  const wording = uniform((seed * 100_003 + index) ^ 0x5bd1e995);
  for (let i = 0; i < count; i++) {
    const category = CATEGORIES[Math.floor(rnd() * CATEGORIES.length)];
    const scale = category === 'rent' ? 900 : category === 'groceries' ? 60 : 40;
    const operation = { day: 1 + Math.floor(rnd() * 28), amount: Math.round(scale * (0.2 + rnd() * 1.6) * 100) / 100, category, debit: rnd() > 0.1 };
    operations.push({ ...operation, description: describe(category, wording) });
  }
  return { age, region: REGIONS[Math.floor(rnd() * REGIONS.length)], steps, operations };
}

const date = (day: number) => literal(`${MONTH}-${String(day).padStart(2, '0')}`, XSD.date);

/** The person's documents, keyed by their path under the pod's data/ folder. */
export function personDocuments(person: Person, base: string): PersonDocuments {
  const at = (path: string, fragment: string) => DataFactory.namedNode(`${base}${path}#${fragment}`);
  const profile = new TurtleDoc()
    .add(at('data/person', 'me'), RDF.type, iri(FOAF.Person))
    .add(at('data/person', 'me'), FOAF.age, num(person.age))
    .add(at('data/person', 'me'), VCARD.region, str(person.region));
  const activity = new TurtleDoc();
  person.steps.forEach((steps, i) => {
    const day = at('data/activity', `day-${i + 1}`);
    activity.add(day, RDF.type, iri(EX.DailyActivity)).add(day, EX.steps, num(steps)).add(day, EX.date, date(i + 1));
  });
  const bank = new TurtleDoc();
  person.operations.forEach((op, i) => {
    const node = at('data/bank', `op-${i + 1}`);
    bank
      .add(node, RDF.type, iri(EX.BankOperation))
      .add(node, EX.date, date(op.day))
      .add(node, EX.amount, literal(op.amount.toFixed(2), XSD.decimal))
      .add(node, EX.direction, iri(op.debit ? EX.Debit : EX.Credit))
      .add(node, EX.category, str(op.category))
      .add(node, EX.description, str(op.description));
  });
  return { 'data/person': profile.toString(), 'data/activity': activity.toString(), 'data/bank': bank.toString() };
}
