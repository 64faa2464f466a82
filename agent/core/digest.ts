// A short, stable name for a long string (a query IRI, a WebID): the first 16 hex digits
// of its SHA-256. Used for file names and run ids, never for anything secret.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export function shortDigest(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text))).slice(0, 16);
}
