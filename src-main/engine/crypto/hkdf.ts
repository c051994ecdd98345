// HKDF-SHA256 (RFC 5869), the one key-derivation step from SECRET to sub-keys (FORMAT.md §2).
import { hkdfSync } from 'node:crypto';

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}
