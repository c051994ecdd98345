// The one symmetric envelope of the format (FORMAT.md §2): seal = nonce ‖ C ‖ tag, AES-256-GCM.
// Random 96-bit nonces are safe here because every key seals far fewer than 2^32 messages
// (NIST SP 800-38D §8.3); a repository rotates SECRET long before that.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HavreError } from '../errors/index.js';

const ALG = 'aes-256-gcm';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Bytes that seal() adds to a plaintext: nonce (12) + tag (16). */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

function checkKey(key: Buffer): void {
  // A wrong-sized key is a programming error, not damaged data: never report it as INTEGRITY.
  if (key.length !== KEY_BYTES) throw new HavreError('INTERNAL', { reason: 'AES-256-GCM key must be 32 bytes' });
}

/** Encrypts and authenticates `plaintext`, binding it to `aad`. Returns nonce ‖ ciphertext ‖ tag. */
export function seal(key: Buffer, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALG, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // empty for GCM, kept for correctness
  return Buffer.concat([nonce, body, rest, cipher.getAuthTag()], NONCE_BYTES + body.length + rest.length + TAG_BYTES);
}

/**
 * Checks and decrypts a sealed envelope. Any failure (wrong key, wrong AAD, flipped bit, truncation)
 * throws HavreError INTEGRITY naming `what`; no plaintext is returned before the tag is verified.
 */
export function open(key: Buffer, sealed: Uint8Array, aad: Uint8Array, what: string): Buffer {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD) throw new HavreError('INTEGRITY', { what });
  const view = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const nonce = view.subarray(0, NONCE_BYTES);
  const body = view.subarray(NONCE_BYTES, view.length - TAG_BYTES);
  const tag = view.subarray(view.length - TAG_BYTES);
  const decipher = createDecipheriv(ALG, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  decipher.setAAD(aad);
  const out = decipher.update(body);
  try {
    decipher.final(); // verifies the tag
  } catch {
    out.fill(0); // unauthenticated plaintext must not linger
    throw new HavreError('INTEGRITY', { what });
  }
  return out;
}
