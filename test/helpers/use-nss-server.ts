// Imported first by a wrapper test file: the suites it imports next run on this server.
import { useTestServer } from './server-kind.ts';

useTestServer('nss');
