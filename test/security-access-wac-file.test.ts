// The access-control suite (security-access.test.ts, on CSS with WAC in memory) again, on
// CSS with WAC and the file backend.
import './helpers/use-wac-file-server.ts';
import './security-access.test.ts';
