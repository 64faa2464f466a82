// The access-control suite (security-access.test.ts, on CSS with WAC in memory) again, on
// CSS's ACP preset (file backend).
import './helpers/use-acp-server.ts';
import './security-access.test.ts';
