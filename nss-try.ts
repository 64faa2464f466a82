import { startDemo } from './demo/demo.ts';
import { resolveLocalhostNames } from './agent/solid/localhost-names.ts';
resolveLocalhostNames();
const t0 = Date.now();
const demo = await startDemo({ pods: 6, kind: 'nss', port: 8450, collectMs: 20000, onProgress: (l, d, t) => console.log(l, d, t, Date.now() - t0) });
try {
  const out = await demo.publish('mean-steps');
  console.log('exact', out.exact, out.abort, out.seconds, out.published?.contributors);
} finally { await demo.stop(); }
