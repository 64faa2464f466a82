// A short stable name for a text: long enough that two runs or two WebIDs never collide in
// practice, short enough for a URL or a file name.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** The first 16 hex digits (64 bits) of the SHA-256 of the text's UTF-8 bytes. */
export function shortDigest(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text))).slice(0, 16);
}
