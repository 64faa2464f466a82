// Fetching the JSON API. A 4xx answer is data for the view (its `error` is shown in
// place); an unreachable server or a 5xx raises the banner.

import { setBanner } from './banner.js';
import { learnLabels } from './dom.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path) {
  let response;
  try {
    response = await fetch(`/api${path}`, { headers: { accept: 'application/json' } });
  } catch {
    setBanner('api', 'The dashboard server is not reachable. Showing the last data received; retrying…');
    throw new ApiError(0, 'the dashboard server is not reachable');
  }
  const body = await response.json().catch(() => ({ error: `the server answered ${response.status} without JSON` }));
  setBanner('api', response.status >= 500 ? `The server failed: ${body.error}` : null);
  if (!response.ok) throw new ApiError(response.status, body.error ?? `the server answered ${response.status}`);
  learnLabels(body.labels);
  return body;
}
