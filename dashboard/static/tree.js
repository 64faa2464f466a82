// The aggregation tree as SVG: the querier on top, the aggregator groups level by level
// (one circle per member position), each leaf group's zone of contributors below it.
// Every node is focusable; Enter opens that WebID's agent page.

import { agentHref, h, s, shortName } from './dom.js';

const MEMBER = 26; // horizontal room per member circle
const CONTRIBUTOR = 14;
const PER_ROW = 12; // contributors per row under a leaf
const LEVEL = 96;
const GAP = 18;
const ZOOM = 1.5; // drawn larger than its units on wide screens; CSS shrinks it to fit narrow ones

export function legend() {
  const item = (state, text) => h('li', {}, h('span', { class: `state-${state}`, 'aria-hidden': 'true' }), text);
  return h('ul', { class: 'legend', 'aria-label': 'Node colours' },
    item('waiting', 'waiting'), item('received', 'received shares'), item('sent', 'sent its aggregate / contribution'),
    item('failed', 'failed'), item('replaced', 'replaced by a backup'), item('consented', 'consented'),
    item('refused', 'refused'), item('done', 'querier: result published'));
}

function node(state, r, cx, cy, label, webId, key) {
  const open = () => { location.hash = agentHref(webId); };
  return s('g', {
    class: 'node', tabindex: 0, role: 'link', 'aria-label': label, 'data-state': state, 'data-webid': webId, 'data-key': key,
    onclick: open, onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } },
  }, s('circle', { class: `state-${state}`, cx, cy, r, stroke: '#555', 'stroke-width': 1 }), s('title', {}, label));
}

export function treeSvg(tree) {
  const children = new Map();
  for (const g of tree.groups) children.set(g.parent, [...(children.get(g.parent) ?? []), g]);
  const ownWidth = (g) => Math.max(g.members.length * MEMBER + 12, Math.min(g.contributors.length, PER_ROW) * CONTRIBUTOR) + GAP;
  const place = new Map(); // group id → { x (centre), width }
  const layout = (g, x0) => {
    const kids = children.get(g.id) ?? [];
    let width = 0;
    for (const k of kids) width += layout(k, x0 + width);
    width = Math.max(width, ownWidth(g));
    place.set(g.id, { x: x0 + width / 2 });
    return width;
  };
  let total = 0;
  for (const root of children.get(null) ?? []) total += layout(root, total);
  const depth = Math.max(0, ...tree.groups.map((g) => g.level));
  const rows = Math.max(1, ...tree.groups.map((g) => Math.ceil(g.contributors.length / PER_ROW)));
  const width = Math.max(total, 300);
  const groupY = (level) => 80 + level * LEVEL;
  const height = groupY(depth) + 44 + rows * CONTRIBUTOR + 6;
  const parts = [];
  const root = (children.get(null) ?? [])[0];
  const qx = root ? place.get(root.id).x : width / 2;
  for (const g of tree.groups) {
    const { x } = place.get(g.id);
    const y = groupY(g.level);
    const boxW = g.members.length * MEMBER + 8;
    const [px, py] = g.parent === null ? [qx, 30] : [place.get(g.parent).x, groupY(g.level - 1) + 17];
    parts.push(s('line', { class: 'edge', x1: x, y1: y - 17, x2: px, y2: py }));
    parts.push(s('rect', { class: 'box', x: x - boxW / 2, y: y - 17, width: boxW, height: 34, rx: 6 }));
    parts.push(s('text', { x: x - boxW / 2, y: y - 21 }, g.id));
    g.members.forEach((m, i) => {
      const cx = x - boxW / 2 + 4 + MEMBER / 2 + i * MEMBER;
      const who = m.replacedBy ? `${shortName(m.webId)}, replaced by ${shortName(m.replacedBy)}` : shortName(m.webId);
      parts.push(node(m.state, 9, cx, y, `group ${g.id} position ${m.position}: ${who}, ${m.state}`, m.replacedBy ?? m.webId, `${g.id}#${i}`));
    });
    g.contributors.forEach((c, i) => {
      const row = Math.floor(i / PER_ROW);
      const inRow = Math.min(PER_ROW, g.contributors.length - row * PER_ROW);
      const cx = x - (inRow * CONTRIBUTOR) / 2 + CONTRIBUTOR / 2 + (i % PER_ROW) * CONTRIBUTOR;
      const cy = y + 44 + row * CONTRIBUTOR;
      if (i % PER_ROW === 0) parts.push(s('line', { class: 'edge', x1: x, y1: y + 17, x2: x, y2: cy - 6 }));
      const why = c.reason ? ` (${c.reason})` : '';
      parts.push(node(c.state, 5, cx, cy, `contributor ${shortName(c.webId)} in zone ${g.id}: ${c.state}${why}`, c.webId, `c:${c.webId}`));
    });
  }
  parts.push(node(tree.querier.state, 11, qx, 30, `querier ${shortName(tree.querier.webId)}: ${tree.querier.state}`, tree.querier.webId, 'querier'));
  parts.push(s('text', { x: qx + 16, y: 34 }, shortName(tree.querier.webId)));
  return h('div', { class: 'tree' }, s('svg', {
    viewBox: `0 0 ${width} ${height}`, width: Math.round(width * ZOOM), role: 'group', 'aria-label': 'Aggregation tree; Tab moves between nodes, Enter opens the agent',
  }, parts));
}
