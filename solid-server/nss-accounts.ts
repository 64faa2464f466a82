// Accounts on a Node Solid Server: its registration form, then the owner's login done the
// way a browser does it (the login form, then the page authorizing the agent's client),
// which leaves the agent a refresh token. NSS has no account API to skip the forms.

import type { Credential } from '../agent/solid/credentials.ts';
import { beginOwnerLogin } from '../agent/solid/owner-login.ts';

/** Where the browser is sent back to; nothing listens there: the form-filling reads the redirect. */
const CALLBACK = 'http://127.0.0.1:9/podagg-login';

export async function createNssAccount(baseUrl: string, name: string, password: string): Promise<Credential> {
  await registerNssAccount(baseUrl, name, password);
  const login = await beginOwnerLogin(baseUrl.replace(/\/$/, ''), CALLBACK);
  const callback = await signInAndAuthorize(baseUrl, login.url, CALLBACK, name, password);
  return { ...(await login.complete(callback)), email: `${name}@example.org` };
}

/** An account and its pod at http://name.localhost:port/, by NSS's registration form. */
export async function registerNssAccount(baseUrl: string, name: string, password: string): Promise<void> {
  const created = await fetch(new URL('api/accounts/new', baseUrl), {
    method: 'POST',
    body: new URLSearchParams({ username: name, password, repeat_password: password, name, email: '', acceptToc: 'true' }),
    redirect: 'manual',
  });
  if (created.status !== 302) throw new Error(`NSS refused the account ${name}: ${created.status} ${await created.text()}`);
}

/**
 * Follows the authorization request through NSS's forms as the owner would in a browser,
 * up to the redirect back to `redirectUrl`, which it returns.
 */
export async function signInAndAuthorize(baseUrl: string, authorizeUrl: string, redirectUrl: string, name: string, password: string): Promise<string> {
  const browser = new FormBrowser();
  let response = await browser.go(authorizeUrl);
  for (let step = 0; step < 8; step++) {
    const location = response.headers.get('location');
    if (location?.startsWith(redirectUrl)) return location;
    if (location) {
      const next = new URL(location, baseUrl);
      response = next.pathname === '/login'
        ? await browser.post(new URL('login/password', baseUrl).href, withFields(next.searchParams, { username: name, password }))
        : await browser.go(next.href);
    } else if (response.status === 200) {
      // The page asking the owner to authorize the client: Read, Append, Write and Control
      // on the pod, as the agent needs to set its inbox's access.
      const form = hiddenFields(await response.text());
      for (const mode of ['Read', 'Append', 'Write', 'Control']) form.append('access_mode', mode);
      form.set('consent', 'true');
      response = await browser.post(new URL('sharing', baseUrl).href, form);
    } else {
      throw new Error(`NSS login for ${name} stopped at ${response.status} ${response.url}`);
    }
  }
  throw new Error(`NSS login for ${name} did not come back to the client`);
}

function withFields(params: URLSearchParams, fields: Record<string, string>): URLSearchParams {
  const form = new URLSearchParams(params);
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  return form;
}

function hiddenFields(html: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    form.append(name, value.replace(/&#x2F;/g, '/').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&'));
  }
  return form;
}

/** A cookie jar over fetch that stops at every redirect. */
class FormBrowser {
  private readonly cookies = new Map<string, string>();

  go(url: string): Promise<Response> {
    return this.send(url, {});
  }

  post(url: string, form: URLSearchParams): Promise<Response> {
    return this.send(url, { method: 'POST', body: form });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }
}
