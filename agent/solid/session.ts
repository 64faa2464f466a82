// Logging in as a WebID with client credentials, or with a registered client and the
// refresh token of the owner's login where the server has no client-credentials grant for
// a WebID (NSS). Errors are turned into one readable sentence: a wrong secret, an
// unreachable issuer.

import { Session } from '@inrupt/solid-client-authn-node';
import type { Credential } from './credentials.ts';

export interface AgentSession {
  webId: string;
  fetch: typeof globalThis.fetch;
  logout(): Promise<void>;
}

export async function login(credential: Credential): Promise<AgentSession> {
  const session = new Session();
  try {
    await session.login({
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      oidcIssuer: credential.oidcIssuer,
      ...(credential.refreshToken ? { refreshToken: credential.refreshToken } : {}),
      tokenType: 'DPoP',
    });
  } catch (error) {
    throw new Error(`cannot log in as ${credential.webId} at ${credential.oidcIssuer}: ${describe(error)}`);
  }
  if (!session.info.isLoggedIn || session.info.webId !== credential.webId) {
    const vouched = session.info.webId;
    // A live session keeps a token-refresh timer that would keep the process running.
    await session.logout();
    throw new Error(
      `cannot log in as ${credential.webId}: the issuer ${credential.oidcIssuer} ` +
        (vouched ? `vouched for ${vouched} instead` : 'refused the client credentials'),
    );
  }
  return {
    webId: credential.webId,
    fetch: (input, init) => session.fetch(input as never, init),
    logout: () => session.logout(),
  };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  if (/ECONNREFUSED|fetch failed|ENOTFOUND/.test(message + cause)) return 'the issuer is unreachable';
  if (/invalid_grant|refresh token/i.test(message)) return 'the refresh token is no longer valid: log in again with podagg login';
  if (/invalid_client|401|unauthorized/i.test(message)) return 'the client id or secret is wrong';
  return message.split('\n')[0];
}
