// The owner logs in once, in a browser, with the authorization-code flow; the agent keeps the
// refresh token and logs in with it from then on. For servers that give no client
// credentials bound to a WebID (NSS: its client-credentials grant issues tokens for no one).

import { getPodUrlAll } from '@inrupt/solid-client';
import { EVENTS, Session } from '@inrupt/solid-client-authn-node';
import type { Credential } from './credentials.ts';
import { expectOk } from './pod.ts';

export interface OwnerLogin {
  /** The page to open in the owner's browser. */
  url: string;
  /** Completes the login with the URL the browser was sent back to. */
  complete(callbackUrl: string): Promise<Credential>;
}

export async function beginOwnerLogin(issuer: string, redirectUrl: string): Promise<OwnerLogin> {
  const client = await registerClient(issuer, redirectUrl);
  const session = new Session();
  let refreshToken = '';
  session.events.on(EVENTS.NEW_REFRESH_TOKEN, (token: string) => {
    refreshToken = token;
  });
  let url = '';
  await session.login({
    oidcIssuer: issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUrl,
    tokenType: 'DPoP',
    handleRedirect: (to: string) => {
      url = to;
    },
  });
  return {
    url,
    complete: async (callbackUrl) => {
      const error = new URL(callbackUrl).searchParams.get('error');
      if (error) throw new Error(`the login at ${issuer} was refused: ${error}`);
      try {
        await session.handleIncomingRedirect(callbackUrl);
      } finally {
        // The session keeps a token-refresh timer; the agent logs in again with the token.
        if (session.info.isLoggedIn) await session.logout();
      }
      const webId = session.info.webId;
      if (!webId) throw new Error(`the login at ${issuer} did not complete`);
      if (!refreshToken) throw new Error(`${issuer} gave no refresh token: the agent could not log in again by itself`);
      const [podUrl] = await getPodUrlAll(webId);
      if (!podUrl) throw new Error(`the WebID document of ${webId} names no storage (pim:storage)`);
      return { webId, podUrl, oidcIssuer: issuer, email: '', clientId: client.clientId, clientSecret: client.clientSecret, refreshToken };
    },
  };
}

/**
 * Dynamic client registration (RFC 7591). Inrupt's session registers a client by itself but
 * keeps its secret to itself, and the secret is needed to use the refresh token later.
 */
async function registerClient(issuer: string, redirectUrl: string): Promise<{ clientId: string; clientSecret: string }> {
  const configuration = await json(new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href);
  const endpoint = configuration.registration_endpoint;
  if (typeof endpoint !== 'string') throw new Error(`${issuer} offers no client registration`);
  const registered = await json(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'podagg agent',
      application_type: 'native',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  if (typeof registered.client_id !== 'string' || typeof registered.client_secret !== 'string') {
    throw new Error(`${issuer} registered no confidential client`);
  }
  return { clientId: registered.client_id, clientSecret: registered.client_secret };
}

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await expectOk(await fetch(url, init), `${init?.method ?? 'GET'} ${url}`);
  return (await response.json()) as Record<string, unknown>;
}
