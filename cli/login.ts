// podagg login: the owner logs in once in a browser; the agent keeps a refresh token in the
// credentials file. For pods whose server hands out no client credentials (NSS).

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readCredentials, writeCredentials, type Credential } from '../agent/solid/credentials.ts';
import { beginOwnerLogin } from '../agent/solid/owner-login.ts';
import { UsageError, integer, parse } from './args.ts';

export const usage = `usage: podagg login --issuer URL [--credentials FILE] [--port P]
  Registers a client for the agent at the identity provider URL (e.g. https://solidcommunity.net),
  prints a page to open in a browser and waits for the owner to log in there; then adds the
  WebID, its pod, the client and a refresh token to the credentials file (default
  ./credentials.json, mode 0600; an entry for the same WebID is replaced). Every other command
  then logs in as that WebID by itself.
  The browser comes back to http://127.0.0.1:P/ (default: a free port).
  For a Community Solid Server, client credentials from its account page do the same without a browser.`;

export async function ownerLogin(args: string[]): Promise<number> {
  const { values } = parse(args, { issuer: { type: 'string' }, credentials: { type: 'string' }, port: { type: 'string' } }, { required: ['issuer'] });
  if (values.help) return (console.log(usage), 0);
  const issuer = issuerUrl(values.issuer!);
  const file = values.credentials ?? 'credentials.json';
  const known = await readIfThere(file);
  const callbacks = await listen(integer(values.port, '--port', 0, 0));
  try {
    const redirectUrl = `http://127.0.0.1:${callbacks.port}/`;
    const login = await beginOwnerLogin(issuer, redirectUrl);
    console.log(`open this page in your browser and log in:\n${login.url}`);
    console.log(`waiting for the browser to come back to ${redirectUrl}`);
    const credential = await callbacks.next((url) => login.complete(url));
    await writeCredentials(file, [...known.filter((c) => c.webId !== credential.webId), credential]);
    console.log(`logged in as ${credential.webId} (pod ${credential.podUrl}); credentials saved to ${file}`);
    return 0;
  } finally {
    callbacks.close();
  }
}

function issuerUrl(value: string): string {
  try {
    return new URL(value).href.replace(/\/$/, '');
  } catch {
    throw new UsageError(`--issuer must be a URL, not "${value}"`);
  }
}

/** The entries already there; a file that exists but cannot be read stops the login, so none is lost. */
async function readIfThere(file: string): Promise<Credential[]> {
  return existsSync(file) ? readCredentials(file) : [];
}

interface Callbacks {
  port: number;
  /** Resolves with what `complete` makes of the first request the browser sends back. */
  next(complete: (url: string) => Promise<Credential>): Promise<Credential>;
  close(): void;
}

async function listen(port: number): Promise<Callbacks> {
  let handle: ((url: string) => Promise<string>) | undefined;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    if (!handle || url.pathname !== '/' || url.search === '') return void response.writeHead(404).end();
    const done = handle;
    handle = undefined;
    done(url.href).then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text),
      (error: Error) => response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`podagg: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    next: (complete) =>
      new Promise((resolve, reject) => {
        handle = (url) =>
          complete(url).then(
            (credential) => {
              resolve(credential);
              return `podagg is logged in as ${credential.webId}; you may close this page.\n`;
            },
            (error: Error) => {
              reject(error);
              throw error;
            },
          );
      }),
    close: () => {
      server.close();
      // The browser keeps its connection open; the answer it waited for has been sent.
      server.closeIdleConnections();
    },
  };
}
