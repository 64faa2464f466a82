// CSS's configuration compiled to JavaScript once, by Components.js's own compiler, and kept
// under node_modules/.cache: a server then starts in about one second instead of four or
// five, which Components.js spends parsing the JSON-LD of the config and of CSS's components
// each time. The compiled module is named by a digest of CSS's and Components.js's versions
// and of the config, so an upgrade or a config change compiles afresh.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { App, CliResolver } from '@solid/community-server';
import { shortDigest } from '../agent/core/digest.ts';

/** A compiled config: called with the variables (none for the CLI resolver), returns the instance. */
type Factory<T> = (variables?: Record<string, unknown>) => T;

const require = createRequire(import.meta.url);
const cssRoot = path.dirname(require.resolve('@solid/community-server/package.json'));
/** The compiled code requires CSS's classes as `./dist/index.js`, relative to CSS's package. */
const cssRequire = createRequire(path.join(cssRoot, 'package.json'));
/** The Components.js that CSS itself depends on (another major version sits at the top of node_modules). */
const { ComponentsManager, ConstructionStrategyCommonJsString } = cssRequire('componentsjs') as typeof import('componentsjs');
const CACHE = path.join(cssRoot, '..', '..', '.cache', 'podagg-css');
const APP = 'urn:solid-server:default:App';
const CLI_RESOLVER = 'urn:solid-server-app-setup:default:CliResolver';

/**
 * CSS's token verifier (@solid/access-token-verifier) keeps the OIDC issuers of at most
 * `maxRequestsPerSecond` WebIDs, 100 by default, for two minutes. With more agents than that
 * writing to a server, nearly every authenticated request made it fetch the requester's WebID
 * document again: at 1000 pods, 3726 such reads for about 3900 authenticated requests in two
 * minutes. The same figure sizes its DPoP replay cache (times 120 s), which fills only as
 * fast as requests come. The verifier reads it when CSS builds its components.
 */
const VERIFIER_REQUESTS_PER_SECOND = 10_000;

/** CSS's App for `config`, its variables resolved from `shorthand` as CSS's own command line does. */
export async function createApp(config: string, shorthand: Record<string, unknown>): Promise<App> {
  (cssRequire('@solid/access-token-verifier/dist/config') as { maxRequestsPerSecond: number }).maxRequestsPerSecond = VERIFIER_REQUESTS_PER_SECOND;
  const resolver = (await compiled<CliResolver>(config, CLI_RESOLVER))();
  const variables = await resolver.shorthandResolver.handleSafe(shorthand);
  return (await compiled<App>(config, APP))(variables);
}

async function compiled<T>(config: string, instance: string): Promise<Factory<T>> {
  const version = (pkg: string) => (JSON.parse(readFileSync(cssRequire.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  const key = shortDigest([version('@solid/community-server'), version('componentsjs'), instance, readFileSync(config, 'utf8')].join('\n'));
  const file = path.join(CACHE, `${key}.cjs`);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    source = await compile(config, instance);
    mkdirSync(CACHE, { recursive: true });
    // Written whole, then renamed: servers starting side by side never read half a file.
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, source);
    renameSync(partial, file);
  }
  const module = { exports: {} as unknown };
  new Function('require', 'module', 'exports', source)(cssRequire, module, module.exports);
  return module.exports as Factory<T>;
}

/** Components.js normally scans every package in node_modules and fails offline on Comunica's; CSS's own module alone is enough. */
async function compile(config: string, instance: string): Promise<string> {
  const constructionStrategy = new ConstructionStrategyCommonJsString({ asFunction: true, req: cssRequire });
  const manager = await ComponentsManager.build({
    mainModulePath: cssRoot,
    typeChecking: false,
    logLevel: 'error',
    constructionStrategy,
    moduleLoader: async (registry) => {
      await registry.registerModule(path.join(cssRoot, 'dist', 'components', 'components.jsonld'));
    },
    configLoader: async (registry) => {
      await registry.register(config);
    },
  });
  return constructionStrategy.serializeDocument(await manager.instantiate(instance));
}
