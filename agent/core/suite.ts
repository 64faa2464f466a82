// The cryptographic operations a run performs, behind one interface so the simulator can
// count them and, at a million nodes, stand in cheaper ones while charging their cost.

import type { Message } from '../../query-vocab/types.ts';
import type { RandomSource } from './random.ts';
import { open, seal, type SealContext } from './seal.ts';
import { signMessage, verifyMessage } from './sign.ts';

export interface CryptoSuite {
  seal(payload: Uint8Array, recipientPublicKey: Uint8Array, ctx: SealContext, random: RandomSource): Uint8Array;
  open(sealed: Uint8Array, recipientSecretKey: Uint8Array, ctx: SealContext): Uint8Array;
  sign<M extends Message>(unsigned: Omit<M, 'signature'>, ed25519SecretKey: Uint8Array): M;
  verify(message: Message, ed25519PublicKey: Uint8Array): void;
}

export const realCrypto: CryptoSuite = {
  seal: (payload, key, ctx, random) => seal(payload, key, ctx, random),
  open,
  sign: signMessage,
  verify: verifyMessage,
};
