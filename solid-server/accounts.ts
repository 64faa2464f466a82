// Accounts, pods and client credentials through CSS's account API (v7): create an
// account, give it a password login, a pod and a client-credentials token.

import type { Credential } from '../agent/solid/credentials.ts';

type Controls = Record<string, Record<string, string>>;

async function call(url: string, token: string | undefined, body?: unknown): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `CSS-Account-Token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new Error(`account API ${url} answered ${response.status}: ${String(json.message ?? response.statusText)}`);
  }
  return json;
}

async function controls(baseUrl: string, token?: string): Promise<Controls> {
  return (await call(new URL('.account/', baseUrl).href, token)).controls as Controls;
}

/** Creates one account with a pod named `name` and returns its client credentials. */
export async function createAccount(baseUrl: string, name: string, password: string): Promise<Credential> {
  const email = `${name}@example.org`;
  const anonymous = await controls(baseUrl);
  const { authorization } = (await call(anonymous.account.create, undefined, {})) as { authorization: string };
  const own = await controls(baseUrl, authorization);
  await call(own.password.create, authorization, { email, password });
  const pod = (await call(own.account.pod, authorization, { name })) as { pod: string; webId: string };
  const token = (await call(own.account.clientCredentials, authorization, { name: 'podagg-agent', webId: pod.webId })) as {
    id: string;
    secret: string;
  };
  return {
    webId: pod.webId,
    podUrl: pod.pod,
    oidcIssuer: baseUrl,
    email,
    clientId: token.id,
    clientSecret: token.secret,
  };
}
