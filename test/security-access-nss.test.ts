// The access-control suite (security-access.test.ts, on CSS with WAC in memory) again, on
// the Node Solid Server: WAC, a pod per subdomain, logins by refresh token.
import './helpers/use-nss-server.ts';
import './security-access.test.ts';
