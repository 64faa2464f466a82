// Public keys as Multikey multibase strings (base58btc, 'z' prefix, multicodec header), the
// form the security vocabulary's sec:publicKeyMultibase uses in WebID profiles.

export type KeyType = 'ed25519' | 'x25519';

/** Multicodec varint headers: ed25519-pub 0xed, x25519-pub 0xec. */
const HEADERS: Record<KeyType, readonly [number, number]> = { ed25519: [0xed, 0x01], x25519: [0xec, 0x01] };
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function base58btcDecode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let n = 0n;
  for (const c of text) {
    const digit = ALPHABET.indexOf(c);
    if (digit < 0) throw new Error(`'${c}' is not a base58btc digit`);
    n = n * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (n > 0n) {
    body.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

/** A 32-byte raw public key as a multibase Multikey string (`z6Mk…` for Ed25519, `z6LS…` for X25519). */
export function encodeMultikey(type: KeyType, key: Uint8Array): string {
  if (key.length !== 32) throw new Error(`a ${type} public key has 32 bytes, not ${key.length}`);
  return 'z' + base58btcEncode(Uint8Array.from([...HEADERS[type], ...key]));
}

/** The raw 32-byte key of a multibase Multikey string of the given type; throws a readable Error. */
export function decodeMultikey(type: KeyType, multibase: string): Uint8Array {
  if (!multibase.startsWith('z')) throw new Error(`${JSON.stringify(multibase)} is not base58btc multibase (it must start with z)`);
  const bytes = base58btcDecode(multibase.slice(1));
  const [h0, h1] = HEADERS[type];
  if (bytes.length !== 34 || bytes[0] !== h0 || bytes[1] !== h1) {
    throw new Error(`${JSON.stringify(multibase)} is not a ${type} public key multikey`);
  }
  return bytes.slice(2);
}
