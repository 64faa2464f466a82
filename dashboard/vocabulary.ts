// The podagg vocabulary at its namespace path (/podagg) and its shapes (/podagg/shapes),
// negotiated: Turtle (also the default for */*), JSON-LD, or an HTML page for browsers.

import { Router, type Request, type Response } from 'express';
import { ONTOLOGY_IRI, ontologyJsonLd, ontologyTurtle, shapesTurtle, turtleToJsonLd } from '../query-vocab/index.ts';

const TURTLE = 'text/turtle';
const JSONLD = 'application/ld+json';
const HTML = 'text/html';

export const VOCABULARY_PATH = new URL(ONTOLOGY_IRI).pathname;
const FORMATS = new Map([['turtle', TURTLE], ['jsonld', JSONLD]]);

const SHAPES_PATH = `${VOCABULARY_PATH}/shapes`;

type JsonLd = ReturnType<typeof ontologyJsonLd>;

export function vocabularyRouter(): Router {
  const router = Router();
  const shapesIri = `${ONTOLOGY_IRI}/shapes`;
  router.get(VOCABULARY_PATH, (req, res) => negotiate(req, res, ontologyTurtle(), () => ontologyJsonLd(), 'The podagg vocabulary'));
  router.get(SHAPES_PATH, (req, res) => negotiate(req, res, shapesTurtle(), () => turtleToJsonLd(shapesTurtle(), shapesIri), 'The podagg shapes'));
  return router;
}

function negotiate(req: Request, res: Response, turtle: string, jsonLd: () => JsonLd, title: string): void {
  res.vary('Accept');
  // ?format= lets a browser user follow a link to the raw forms.
  const forced = FORMATS.get(String(req.query.format));
  switch (forced ?? req.accepts([TURTLE, JSONLD, HTML])) {
    case TURTLE:
      res.type(TURTLE).send(turtle);
      return;
    case JSONLD:
      res.type(JSONLD).send(JSON.stringify(jsonLd(), null, 2));
      return;
    case HTML:
      res.type(HTML).send(page(title, jsonLd(), turtle));
      return;
    default:
      res.status(406).json({ error: `ask for ${TURTLE}, ${JSONLD} or ${HTML}` });
  }
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const texts = (node: Record<string, unknown>, key: string): string =>
  ((node[key] as Array<{ '@value'?: string; '@id'?: string }> | undefined) ?? []).map((v) => v['@value'] ?? v['@id'] ?? '').join(', ');

/** One row per described term: what a reader of the namespace wants first. */
function page(title: string, doc: JsonLd, turtle: string): string {
  const rows = doc['@graph']
    .filter((n) => texts(n, 'rdfs:label') || texts(n, 'rdfs:comment') || texts(n, 'sh:targetClass'))
    .map((n) => `<tr id="${escape(n['@id'])}"><th scope="row"><code>${escape(n['@id'])}</code></th>` +
      `<td>${escape(((n['@type'] as string[] | undefined) ?? []).join(', '))}</td>` +
      `<td>${escape(texts(n, 'rdfs:label') || texts(n, 'sh:targetClass'))}</td><td>${escape(texts(n, 'rdfs:comment'))}</td></tr>`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><link rel="stylesheet" href="/dashboard/style.css"></head>
<body><header class="top"><a href="/">podagg dashboard</a></header><main>
<h1>${escape(title)}</h1>
<p>Also as <a href="?format=turtle">Turtle</a> or <a href="?format=jsonld">JSON-LD</a> (or ask with <code>Accept: ${TURTLE}</code> or <code>Accept: ${JSONLD}</code>).</p>
<div class="scroll"><table><thead><tr><th scope="col">Term</th><th scope="col">Type</th><th scope="col">Label</th><th scope="col">Comment</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<details><summary>Turtle source</summary><pre>${escape(turtle)}</pre></details>
</main></body></html>`;
}
