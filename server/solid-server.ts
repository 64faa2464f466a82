// The embedded Community Solid Server: started in-process on a loopback port, in memory
// or on disk. Components.js normally scans every package in node_modules for components
// and fails offline on Comunica's; registering CSS's own module alone avoids that.

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppRunner, type App } from '@solid/community-server';

export interface SolidServerOptions {
  port: number;
  /** Folder for the file backend; absent means in memory. */
  dataDir?: string;
}

export interface SolidServer {
  baseUrl: string;
  port: number;
  dataDir?: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const cssRoot = path.dirname(require.resolve('@solid/community-server/package.json'));

export async function startSolidServer(options: SolidServerOptions): Promise<SolidServer> {
  const baseUrl = `http://localhost:${options.port}/`;
  // CSS's own default configs with logging off: its error log names expected refusals.
  const config = fileURLToPath(new URL(`css/${options.dataDir ? 'file' : 'default'}.json`, import.meta.url));
  const app: App = await new AppRunner().create({
    config,
    loaderProperties: {
      mainModulePath: cssRoot,
      typeChecking: false,
      logLevel: 'error',
      moduleLoader: async (registry) => {
        await registry.registerModule(path.join(cssRoot, 'dist', 'components', 'components.jsonld'));
      },
    },
    shorthand: {
      port: options.port,
      baseUrl,
      ...(options.dataDir ? { rootFilePath: path.resolve(options.dataDir) } : {}),
    },
  });
  await app.start();
  return { baseUrl, port: options.port, dataDir: options.dataDir, stop: () => app.stop() };
}
