// Logging in as a WebID with client credentials, or with a registered client and the
// refresh token of the owner's login where the server has no client-credentials grant for
// a WebID (NSS). Errors are turned into one readable sentence: a wrong secret, an
// unreachable issuer.
// A client-credentials grant gives no refresh token, so Inrupt's session cannot renew its
// access token, and once it expires (10 minutes on CSS) the session fetches anonymously:
// every post into a peer's inbox gets 401. So a session logs in again before its token
// expires, one login at a time, and requests made meanwhile wait for it. A 401 to a live
// token is asked again a few times (refused-token.ts): a loaded server gives it.

import { Session } from '@inrupt/solid-client-authn-node';
import type { Credential } from './credentials.ts';
import { askAgainAfter401 } from './refused-token.ts';

export interface AgentSession {
  webId: string;
  fetch: typeof globalThis.fetch;
  logout(): Promise<void>;
}

export interface LoginOptions {
  /** The clock that says when the token is due for renewal; the system's unless a test drives it. */
  now?: () => number;
}

/** Renewal this long before the token expires, so no request in flight carries an expired one. */
const RENEW_BEFORE_MS = 60_000;

export async function login(credential: Credential, o: LoginOptions = {}): Promise<AgentSession> {
  const now = o.now ?? Date.now;
  let session = await startSession(credential);
  // With a refresh token Inrupt's session renews itself. Otherwise it dates the token's
  // expiry on the system clock, so its lifetime is what counts here.
  const renewAtOf = (s: Session) =>
    credential.refreshToken || s.info.expirationDate === undefined ? Infinity : now() + s.info.expirationDate - Date.now() - RENEW_BEFORE_MS;
  let renewAt = renewAtOf(session);
  let renewing: Promise<void> | undefined;
  const renew = () => {
    renewing ??= startSession(credential)
      .then(async (fresh) => {
        const old = session;
        [session, renewAt] = [fresh, renewAtOf(fresh)];
        await old.logout();
      })
      // A failed renewal keeps the old session: the next request tries again.
      .catch(() => undefined)
      .finally(() => (renewing = undefined));
    return renewing;
  };
  return {
    webId: credential.webId,
    fetch: askAgainAfter401(async (input, init) => {
      if (now() >= renewAt) await renew();
      return session.fetch(input as never, init);
    }),
    logout: async () => {
      await renewing;
      await session.logout();
    },
  };
}

async function startSession(credential: Credential): Promise<Session> {
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
  return session;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  if (/ECONNREFUSED|fetch failed|ENOTFOUND/.test(message + cause)) return 'the issuer is unreachable';
  if (/invalid_grant|refresh token/i.test(message)) return 'the refresh token is no longer valid: log in again with podagg login';
  if (/invalid_client|401|unauthorized/i.test(message)) return 'the client id or secret is wrong';
  return message.split('\n')[0];
}
