// The recovery key: standalone mode's ADMIN password (FORMAT.md §3). 160 random bits, so it needs no
// KDF strength of its own; base32 so it can be read aloud, typed, and printed without ambiguity.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'; // RFC 4648 §6
const KEY_BYTES = 20;

/** RFC 4648 §6 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** 20 random bytes as 32 base32 characters, in 8 groups of 4 joined by '-'. Shown once. */
export function newRecoveryKey(): string {
  const bytes = randomBytes(KEY_BYTES);
  const text = base32(bytes);
  bytes.fill(0);
  const groups: string[] = [];
  for (let i = 0; i < text.length; i += 4) groups.push(text.slice(i, i + 4));
  return groups.join('-');
}

/** Removes '-' and whitespace and upper-cases: what the user typed becomes the scrypt input. */
export function normaliseRecoveryKey(s: string): string {
  return s.replace(/[-\s]/g, '').toUpperCase();
}

/** True when `s` normalises to 32 base32 characters (a UI hint; a wrong key still fails to unlock). */
export function isWellFormedRecoveryKey(s: string): boolean {
  return /^[A-Z2-7]{32}$/.test(normaliseRecoveryKey(s));
}
