// Building DOM and SVG from data without innerHTML, so nothing read from a pod or the
// journal is ever interpreted as markup.

// The HTML parser knows the SVG namespace; asking it keeps IRIs out of this code.
const SVG_NS = (() => {
  const template = document.createElement('template');
  template.innerHTML = '<svg></svg>';
  return template.content.firstChild.namespaceURI;
})();

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element: h('a', { href }, 'text', child…). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** WebID → label, as the API's answers give them (the profile's name, or the pod's host and path). */
const labels = new Map();

export function learnLabels(more) {
  for (const [webId, label] of Object.entries(more ?? {})) labels.set(webId, label);
}

/** A readable name for a WebID: its label, else its host and path (never one bare path segment, the same "profile" for every pod on a subdomain). */
export function shortName(webId) {
  if (labels.has(webId)) return labels.get(webId);
  try {
    const url = new URL(webId);
    return url.host + url.pathname.replace(/\/$/, '');
  } catch {
    return webId;
  }
}

export const runHref = (id) => `#/runs/${encodeURIComponent(id)}`;
export const agentHref = (webId) => `#/agents/${encodeURIComponent(webId)}`;

export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function number(x, digits = 4) {
  if (x === null || x === undefined) return '—';
  return Number.isInteger(x) ? x.toLocaleString('en') : Number(x.toPrecision(digits)).toLocaleString('en');
}

export const percent = (x) => (x === null || x === undefined ? '—' : `${number(x * 100, 3)} %`);

/** A definition list of facts: [[label, value], …]. */
export const facts = (pairs) => h('dl', { class: 'facts' }, pairs.map(([dt, dd]) => h('div', {}, h('dt', {}, dt), h('dd', {}, dd))));

export const badge = (text, cls = text) => h('span', { class: `badge ${cls}` }, text);

export const notice = (text, error = false) => h('p', { class: error ? 'notice error' : 'notice' }, text);

/** A table in a horizontally scrolling box (narrow screens). */
export function table(headers, rows, caption) {
  return h('div', { class: 'scroll' }, h('table', {},
    caption ? h('caption', { class: 'mono' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c)))))));
}
