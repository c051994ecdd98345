// How the appliance keeps the secrets it must check but never needs back: enrollment token
// secrets and session tokens as SHA-256, auth keys as HMAC-SHA256 under a random per-account salt
// (PROTOCOL.md §4). Comparisons are constant-time.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const AUTH_SALT_BYTES = 16;

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function authHash(salt: Uint8Array, authKey: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(authKey).digest();
}

export function newAuthRecord(authKey: Uint8Array): { salt: Buffer; hash: Buffer } {
  const salt = randomBytes(AUTH_SALT_BYTES);
  return { salt, hash: authHash(salt, authKey) };
}

/** Constant-time equality of two digests (false, never a throw, on a length mismatch). */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 32 random bytes, base64url: 43 characters (session tokens, token secrets). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
