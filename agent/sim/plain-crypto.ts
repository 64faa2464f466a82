// A stand-in for sealing and signing at simulated scale (10^5–10^6 nodes): payloads pass
// in the clear and signatures are empty. The simulator still counts every operation and
// charges the modelled cost, so timing is unaffected; only the CPU of this machine is
// spared. Tests of the real primitives run the simulator with `realCrypto`.

import type { CryptoSuite } from '../core/suite.ts';

const EMPTY = new Uint8Array(0);

export const plainCrypto: CryptoSuite = {
  seal: (payload) => payload.slice(),
  open: (sealed) => sealed,
  sign: (unsigned) => ({ ...unsigned, signature: EMPTY }) as never,
  verify: () => {},
};
