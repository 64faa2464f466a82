// Reading the global model a training or evaluation query links: anonymously (the model is
// public, and the owner's credentials have no business at the querier's pod), under a byte
// limit derived from the shape the query's trainer needs, so an oversized document is cut
// off before it is read whole; then parsed strictly and checked against that shape.

import { VocabError, base64Length, parseModel, shapeMismatch } from '../../query-vocab/index.ts';
import { PodError, type Fetch } from './pod.ts';

/** Room for the document's other triples and prefixes, beyond the parameters' base64. */
const SLACK_BYTES = 16 * 1024;

/** The model cannot be used: its document is unreadable, malformed, too large or of the wrong shape. */
export class ModelRefused extends Error {
  constructor(url: string, why: string) {
    super(`model refused: <${url}>: ${why}`);
    this.name = 'ModelRefused';
  }
}

export async function fetchModel(url: string, shape: readonly number[], options: { fetch?: Fetch; signal?: AbortSignal } = {}): Promise<Float64Array> {
  const limit = base64Length(shape.reduce((a, b) => a * b, 1)) + SLACK_BYTES;
  const response = await (options.fetch ?? globalThis.fetch)(url, { headers: { accept: 'text/turtle' }, signal: options.signal });
  // A server error may pass: the caller retries it. Anything else is the document's fault.
  if (response.status >= 500) throw new PodError(response.status, `GET ${url} answered ${response.status}`);
  if (!response.ok) throw new ModelRefused(url, `reading it answered ${response.status} ${response.statusText}`);
  const text = await readLimited(response, limit, url);
  try {
    const model = parseModel(text, url);
    const mismatch = shapeMismatch(model, shape);
    if (mismatch) throw new ModelRefused(url, mismatch);
    return model.parameters;
  } catch (error) {
    if (error instanceof VocabError) throw new ModelRefused(url, error.problems.join('; '));
    throw error;
  }
}

async function readLimited(response: Response, limit: number, url: string): Promise<string> {
  const tooLarge = () => new ModelRefused(url, `the document is larger than ${limit} bytes, the most a model of the trainer's shape needs`);
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (let next = await reader?.read(); reader && next && !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
