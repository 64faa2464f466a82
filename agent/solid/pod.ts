// Small authenticated HTTP helpers over a pod, each failing with a sentence that names the
// resource and the status.

import { getLinkedResourceUrlAll, getResourceInfo } from '@inrupt/solid-client';

export type Fetch = typeof globalThis.fetch;

export class PodError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'PodError';
    this.status = status;
  }
}

export async function expectOk(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new PodError(response.status, `${what} answered ${response.status} ${response.statusText}`);
  return response;
}

export async function getTurtle(fetch: Fetch, url: string): Promise<string> {
  const response = await fetch(url, { headers: { accept: 'text/turtle' } });
  return (await expectOk(response, `GET ${url}`)).text();
}

/** GET that returns undefined for 404. */
export async function getTurtleIfExists(fetch: Fetch, url: string): Promise<string | undefined> {
  const response = await fetch(url, { headers: { accept: 'text/turtle' } });
  if (response.status === 404) return undefined;
  return (await expectOk(response, `GET ${url}`)).text();
}

export async function putTurtle(fetch: Fetch, url: string, turtle: string, signal?: AbortSignal): Promise<void> {
  await expectOk(await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: turtle, signal }), `PUT ${url}`);
}

/** POSTs into a container and returns the new resource's URL. */
export async function postTurtle(fetch: Fetch, container: string, turtle: string, slug?: string, signal?: AbortSignal): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'text/turtle' };
  if (slug) headers.slug = slug;
  const response = await expectOk(await fetch(container, { method: 'POST', headers, body: turtle, signal }), `POST ${container}`);
  const location = response.headers.get('location');
  if (!location) throw new PodError(response.status, `POST ${container} gave no Location`);
  return new URL(location, container).href;
}

/** Deletes a resource; one already gone counts as deleted. */
export async function deleteResource(fetch: Fetch, url: string, signal?: AbortSignal): Promise<void> {
  const response = await fetch(url, { method: 'DELETE', signal });
  await response.body?.cancel();
  if (response.status !== 404) await expectOk(response, `DELETE ${url}`);
}

/** An N3 Patch, the format the Solid Protocol requires servers to accept. */
export async function patchN3(fetch: Fetch, url: string, patch: string): Promise<void> {
  const init = { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch };
  await expectOk(await fetch(url, init), `PATCH ${url}`);
}

/** Creates a container (and its parents) unless it exists; true when it was created. */
export async function ensureContainer(fetch: Fetch, url: string): Promise<boolean> {
  const head = await fetch(url, { method: 'HEAD' });
  if (head.ok) return false;
  if (head.status !== 404) throw new PodError(head.status, `HEAD ${url} answered ${head.status}`);
  try {
    await putTurtle(fetch, url, '');
  } catch (error) {
    // Another request created it in the meantime.
    if (error instanceof PodError && error.status === 409) return false;
    throw error;
  }
  return true;
}

/** The ACL document of a resource, from its Link rel="acl" header. */
export async function aclUrlOf(fetch: Fetch, url: string): Promise<string> {
  const info = await getResourceInfo(url, { fetch });
  const acl = getLinkedResourceUrlAll(info).acl?.[0];
  if (!acl) throw new PodError(200, `${url} names no ACL document`);
  return acl;
}

/** An error as one line; fetch's bare "fetch failed" gets what failed (its cause: ECONNRESET, other side closed…). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error instanceof TypeError && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message.split('\n')[0]}${cause}`;
}
