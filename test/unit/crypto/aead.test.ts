import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SEAL_OVERHEAD, open, seal } from '../../../src-main/engine/crypto/index.js';
import { thrown } from './helpers.js';

const KEY = randomBytes(32);
const AAD = Buffer.from('havre/v1/test', 'utf8');

describe('seal / open (AES-256-GCM, FORMAT.md §2)', () => {
  it('round-trips, with nonce ‖ ciphertext ‖ tag layout and a fresh nonce each time', () => {
    const plain = Buffer.from('the quick brown fox jumps over the lazy dog');
    const a = seal(KEY, plain, AAD);
    const b = seal(KEY, plain, AAD);
    expect(SEAL_OVERHEAD).toBe(28);
    expect(a.length).toBe(plain.length + SEAL_OVERHEAD);
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(open(KEY, a, AAD, 'x').equals(plain)).toBe(true);
    expect(open(KEY, b, AAD, 'x').equals(plain)).toBe(true);
    expect(a.includes(plain.subarray(0, 8))).toBe(false);
  });

  it('round-trips empty and large plaintexts, and Uint8Array views at an offset', () => {
    expect(open(KEY, seal(KEY, new Uint8Array(0), AAD), AAD, 'x').length).toBe(0);
    const big = randomBytes(3 * 1024 * 1024 + 7);
    expect(open(KEY, seal(KEY, big, AAD), AAD, 'x').equals(big)).toBe(true);
    const sealed = seal(KEY, Buffer.from('view'), AAD);
    const padded = new Uint8Array(sealed.length + 10);
    padded.set(sealed, 5);
    expect(open(KEY, padded.subarray(5, 5 + sealed.length), AAD, 'x').toString()).toBe('view');
  });

  it('refuses every single-bit flip of nonce, ciphertext and tag', () => {
    const sealed = seal(KEY, randomBytes(40), AAD);
    let refused = 0;
    for (let i = 0; i < sealed.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(sealed);
        bad[i]! ^= 1 << bit;
        const e = thrown(() => open(KEY, bad, AAD, 'blob 00ff'));
        expect(e.code).toBe('INTEGRITY');
        expect(e.params).toEqual({ what: 'blob 00ff' });
        refused++;
      }
    }
    expect(refused).toBe(sealed.length * 8);
  });

  it('refuses a wrong AAD, a wrong key, and a truncated or extended envelope', () => {
    const sealed = seal(KEY, Buffer.from('payload'), AAD);
    expect(thrown(() => open(KEY, sealed, Buffer.from('havre/v1/other'), 'x')).code).toBe('INTEGRITY');
    expect(thrown(() => open(KEY, sealed, new Uint8Array(0), 'x')).code).toBe('INTEGRITY');
    expect(thrown(() => open(randomBytes(32), sealed, AAD, 'x')).code).toBe('INTEGRITY');
    for (const len of [0, 1, 12, SEAL_OVERHEAD - 1, SEAL_OVERHEAD, sealed.length - 1]) {
      expect(thrown(() => open(KEY, sealed.subarray(0, len), AAD, 'x')).code).toBe('INTEGRITY');
    }
    expect(thrown(() => open(KEY, Buffer.concat([sealed, Buffer.from([0])]), AAD, 'x')).code).toBe('INTEGRITY');
    expect(thrown(() => open(KEY, sealed.subarray(1), AAD, 'x')).code).toBe('INTEGRITY');
  });

  it('refuses a key that is not 32 bytes as a programming error, not as damaged data', () => {
    expect(thrown(() => seal(randomBytes(16), Buffer.from('x'), AAD)).code).toBe('INTERNAL');
    expect(thrown(() => open(randomBytes(16), seal(KEY, Buffer.from('x'), AAD), AAD, 'x')).code).toBe('INTERNAL');
  });
});
