// Every message is signed by its sender's Ed25519 key over canonical bytes of all its
// other fields.
//
// Canonical bytes: UTF-8 JSON with object keys sorted by code unit at every depth, no
// whitespace, arrays in order, undefined fields left out, Uint8Array as a standard base64
// string (the signed `type` fixes each field's type, so bytes and text cannot be confused),
// numbers as JSON prints them (non-finite numbers are refused). The `signature` field is
// never included. The signature covers 'podagg/message/v1' ‖ SHA-256(canonical bytes): the
// prefix separates message signatures from anything else the key signs, and hashing with
// node:crypto first keeps signing cheap for payloads of megabytes.

import { createHash } from 'node:crypto';
import { sign, verify } from './ed25519.ts';
import type { Message } from '../../query-vocab/types.ts';
import { ProtocolError } from './errors.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function toJson(value: unknown, path: string): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ProtocolError('bad-input', `${path} is not a finite number`);
    return value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${path}[${i}]`) ?? null);
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(value).sort()) {
      const v = toJson((value as Record<string, unknown>)[k], `${path}.${k}`);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  throw new ProtocolError('bad-input', `${path} cannot be signed (${typeof value})`);
}

/** Canonical bytes of any plain object (the rules above, without removing any field). */
export function canonicalJson(value: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(toJson(value, 'message')));
}

export function canonicalBytes(message: Omit<Message, 'signature'>): Uint8Array {
  const { signature: _ignored, ...rest } = message as Omit<Message, 'signature'> & { signature?: unknown };
  return canonicalJson(rest);
}

const DOMAIN = new TextEncoder().encode('podagg/message/v1');

function signedBytes(message: Omit<Message, 'signature'>): Uint8Array {
  const digest = createHash('sha256').update(canonicalBytes(message)).digest();
  const out = new Uint8Array(DOMAIN.length + digest.length);
  out.set(DOMAIN);
  out.set(digest, DOMAIN.length);
  return out;
}

export function signMessage<M extends Message>(unsigned: Omit<M, 'signature'>, ed25519SecretKey: Uint8Array): M {
  const signature = sign(signedBytes(unsigned as Omit<Message, 'signature'>), ed25519SecretKey);
  return { ...unsigned, signature } as M;
}

export function verifyMessage(message: Message, ed25519PublicKey: Uint8Array): void {
  if (!verify(message.signature, signedBytes(message), ed25519PublicKey)) {
    throw new ProtocolError('bad-signature', `${message.type} from ${message.sender} does not carry a valid signature`);
  }
}
