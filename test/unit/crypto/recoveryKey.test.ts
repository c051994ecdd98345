import { describe, it, expect } from 'vitest';
import { isWellFormedRecoveryKey, newRecoveryKey, normaliseRecoveryKey } from '../../../src-main/engine/crypto/index.js';
import { base32 } from '../../../src-main/engine/crypto/recoveryKey.js';

/** RFC 4648 base32 decoding, written independently of the implementation. */
function base32Decode(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...s].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

describe('recovery key (FORMAT.md §3)', () => {
  it('is 8 groups of 4 base32 characters encoding 20 random bytes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const k = newRecoveryKey();
      expect(k).toMatch(/^[A-Z2-7]{4}(?:-[A-Z2-7]{4}){7}$/);
      const bytes = base32Decode(k.replace(/-/g, ''));
      expect(bytes).toHaveLength(20);
      seen.add(k);
    }
    expect(seen.size).toBe(200);
  });

  it('encodes with RFC 4648 base32, padding dropped (RFC 4648 §10 test vectors)', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) expect(base32(Buffer.from(plain))).toBe(encoded);
  });

  it('normalises by removing dashes and whitespace and upper-casing', () => {
    const k = newRecoveryKey();
    const flat = k.replace(/-/g, '');
    expect(normaliseRecoveryKey(k)).toBe(flat);
    expect(normaliseRecoveryKey(` ${k.toLowerCase().replace(/-/g, ' ')}\n`)).toBe(flat);
    expect(isWellFormedRecoveryKey(k.toLowerCase())).toBe(true);
    expect(isWellFormedRecoveryKey(k.slice(1))).toBe(false);
    expect(isWellFormedRecoveryKey(k.replace(/^./, '1'))).toBe(false);
  });
});
