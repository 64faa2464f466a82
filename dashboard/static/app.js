// The dashboard's router and live updates. Views are async functions returning nodes;
// the journal's server-sent events re-render the current view (debounced), keeping the
// keyboard focus where it was.

import { agentView, agentsView } from './agents.js';
import { ApiError } from './api.js';
import { setBanner } from './banner.js';
import { h, notice } from './dom.js';
import { runView, runsView } from './runs.js';
import { simulationsView } from './simulations.js';
import { trainingView, trainingsView } from './training.js';

const ROUTES = [
  [/^#?\/?$/, 'runs', () => runsView()],
  [/^#\/runs\/(.+)$/, 'runs', (id) => runView(id)],
  [/^#\/agents\/?$/, 'agents', () => agentsView()],
  [/^#\/agents\/(.+)$/, 'agents', (webId) => agentView(webId)],
  [/^#\/training\/?$/, 'training', () => trainingsView()],
  [/^#\/training\/(.+)$/, 'training', (id) => trainingView(id)],
  [/^#\/simulations(?:\/(.+))?$/, 'simulations', (name) => simulationsView(name)],
];

const view = document.getElementById('view');
let rendering = Promise.resolve();

function route() {
  for (const [pattern, section, render] of ROUTES) {
    const match = location.hash.match(pattern);
    if (match) return { section, render: () => render(match[1] === undefined ? undefined : decodeURIComponent(match[1])) };
  }
  return { section: '', render: async () => [h('h1', {}, 'Not found'), notice(`The dashboard has no page ${location.hash}.`, true), h('a', { href: '#/' }, 'Back to the runs')] };
}

async function render({ keepFocus }) {
  const { section, render: build } = route();
  for (const a of document.querySelectorAll('nav a[data-section]')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  let nodes;
  try {
    nodes = await build();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 0) return; // the banner says it; keep showing the last data
    nodes = [h('h1', {}, error.status === 404 ? 'Not found' : 'Error'), notice(error.message, true), h('a', { href: '#/' }, 'Back to the runs')];
  }
  const focusKey = keepFocus ? document.activeElement?.closest?.('[data-key]')?.dataset.key : undefined;
  const scroll = [window.scrollX, window.scrollY];
  view.replaceChildren(...nodes.flat(Infinity).filter(Boolean));
  document.title = `${view.querySelector('h1')?.textContent ?? 'podagg'} · podagg dashboard`;
  if (keepFocus) {
    window.scrollTo(...scroll);
    if (focusKey) view.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  } else {
    view.focus();
  }
}

function schedule(keepFocus) {
  rendering = rendering.then(() => render({ keepFocus })).catch((error) => setBanner('view', `The page failed to draw: ${error.message}`));
}

let refreshTimer;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => schedule(true), 250);
}

function listen() {
  const live = document.getElementById('live');
  const source = new EventSource('/api/events');
  source.onopen = () => {
    live.textContent = 'live';
    setBanner('live', null);
    refreshSoon(); // catch up on what happened while disconnected
  };
  source.onerror = () => {
    live.textContent = 'offline';
    setBanner('live', 'Live updates stopped: the dashboard server is not reachable. Retrying…');
  };
  source.onmessage = () => refreshSoon();
}

window.addEventListener('hashchange', () => schedule(false));
schedule(false);
listen();
