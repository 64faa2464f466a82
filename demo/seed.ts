// Fills one pod's data/ folder with the synthetic person of `index` under `seed`: the
// demo's data, and `podagg pods seed`'s. The documents inherit the pod's owner-only rules.
import { putTurtle, type Fetch } from '../agent/solid/pod.ts';
import { generatePerson, personDocuments, type PersonDocuments } from './data.ts';

export async function seedPod(fetch: Fetch, podUrl: string, seed: number, index: number): Promise<PersonDocuments> {
  const documents = personDocuments(generatePerson(seed, index), podUrl);
  for (const [p, turtle] of Object.entries(documents)) await putTurtle(fetch, new URL(p, podUrl).href, turtle);
  return documents;
}
