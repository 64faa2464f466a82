// The access-control suite (security-access.test.ts, on CSS with WAC in memory) again, on
// CSS with a pod per subdomain of localhost.
import './helpers/use-subdomains-server.ts';
import './security-access.test.ts';
