// Public podagg documents (query, plan, result, model) read with a plain fetch and the
// vocabulary's parsers. Published documents do not change, so a parsed one is kept; a
// failure is not, so the next request tries again (a result may not be readable yet).

import { parseModel, parsePlan, parseQuery, parseResult, documentOf } from '../query-vocab/index.ts';
import type { AggregationPlan, AggregationQuery, AggregationResult, Model } from '../query-vocab/types.ts';

export type Fetched<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

const TIMEOUT_MS = 5000;

export class PublicDocuments {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly fetch: typeof globalThis.fetch = globalThis.fetch) {}

  query(url: string): Promise<Fetched<AggregationQuery>> {
    return this.get(url, parseQuery);
  }

  plan(url: string): Promise<Fetched<AggregationPlan>> {
    return this.get(url, parsePlan);
  }

  result(url: string): Promise<Fetched<AggregationResult>> {
    return this.get(url, parseResult);
  }

  model(url: string): Promise<Fetched<Model>> {
    return this.get(url, parseModel);
  }

  private async get<T>(url: string, parse: (turtle: string, base: string) => T): Promise<Fetched<T>> {
    if (this.cache.has(url)) return { value: this.cache.get(url) as T };
    // A result is named by a fragment (…#result); the document is the part before it.
    const document = documentOf(url);
    try {
      const response = await this.fetch(document, { headers: { accept: 'text/turtle' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) return { error: `${document} answered ${response.status} ${response.statusText}` };
      const value = parse(await response.text(), document);
      this.cache.set(url, value);
      return { value };
    } catch (error) {
      return { error: `cannot read ${document}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
    }
  }
}
