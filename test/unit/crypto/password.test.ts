import { describe, it, expect } from 'vitest';
import { scryptSync } from 'node:crypto';
import { derivePasswordKeys, newPasswordWrap, type PasswordWrap } from '../../../src-main/engine/crypto/index.js';
import { deriveEarly } from '../../../src-main/engine/crypto/password.js';
import { everythingShown, rejected } from './helpers.js';

describe('newPasswordWrap', () => {
  it('defaults to scrypt N=2^17, r=8, p=1 with a fresh 16-byte salt; "test" lowers only N to 2^12', () => {
    const a = newPasswordWrap();
    const b = newPasswordWrap('default');
    const t = newPasswordWrap('test');
    expect({ ...a, salt: '' }).toEqual({ alg: 'scrypt', N: 131072, r: 8, p: 1, salt: '' });
    expect({ ...t, salt: '' }).toEqual({ alg: 'scrypt', N: 4096, r: 8, p: 1, salt: '' });
    expect(Buffer.from(a.salt, 'base64')).toHaveLength(16);
    expect(a.salt).not.toBe(b.salt);
  });
});

describe('derivePasswordKeys', () => {
  const wrap = newPasswordWrap('test');

  it('is scrypt(NFC(password), salt, N, r, p, 64) split into wrapKey ‖ authKey', async () => {
    const { wrapKey, authKey } = await derivePasswordKeys('correct horse', wrap);
    const ref = scryptSync(Buffer.from('correct horse'), Buffer.from(wrap.salt, 'base64'), 64, { N: wrap.N, r: wrap.r, p: wrap.p });
    expect(wrapKey.equals(ref.subarray(0, 32))).toBe(true);
    expect(authKey.equals(ref.subarray(32))).toBe(true);
    expect(wrapKey.equals(authKey)).toBe(false);
  });

  it('normalises to NFC, so a composed and a decomposed "é" give the same keys', async () => {
    const composed = await derivePasswordKeys('caf\u00e9-\u00c5', wrap);
    const decomposed = await derivePasswordKeys('cafe\u0301-A\u030a', wrap);
    expect(composed.wrapKey.equals(decomposed.wrapKey)).toBe(true);
    expect(composed.authKey.equals(decomposed.authKey)).toBe(true);
  });

  it('differs per password and per salt', async () => {
    const a = await derivePasswordKeys('password-a', wrap);
    const b = await derivePasswordKeys('password-b', wrap);
    const c = await derivePasswordKeys('password-a', newPasswordWrap('test'));
    expect(a.wrapKey.equals(b.wrapKey)).toBe(false);
    expect(a.wrapKey.equals(c.wrapKey)).toBe(false);
  });

  it('runs the default parameters (N=2^17 needs maxmem above Node’s 32 MiB default)', async () => {
    const t0 = performance.now();
    const { wrapKey } = await derivePasswordKeys('pw', newPasswordWrap('default'));
    console.log(`scrypt N=2^17 r=8 p=1: ${Math.round(performance.now() - t0)} ms`);
    expect(wrapKey).toHaveLength(32);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['N below 2^12', { ...wrap, N: 2 ** 10 }, /too weak/],
    ['r too small for the memory floor', { ...wrap, r: 1 }, /too weak/],
    ['N above 2^22', { ...wrap, N: 2 ** 23 }, /out of range/],
    ['memory above 1 GiB', { ...wrap, N: 2 ** 21, r: 8 }, /out of range/],
    ['N not a power of two', { ...wrap, N: 5000 }, /malformed/],
    ['p = 0', { ...wrap, p: 0 }, /malformed/],
    ['fractional r', { ...wrap, r: 8.5 }, /malformed/],
    ['N as a string', { ...wrap, N: '4096' }, /numbers/],
    ['another algorithm', { ...wrap, alg: 'argon2id' }, /unknown key derivation/],
    ['an extra member', { ...wrap, dkLen: 64 }, /unexpected members/],
    ['salt not base64', { ...wrap, salt: 'not base64!' }, /salt/],
    ['salt of 8 bytes', { ...wrap, salt: Buffer.alloc(8).toString('base64') }, /salt/],
    ['no wrap', null, /missing/],
  ];
  for (const [name, w, reason] of bad) {
    it(`refuses ${name} with REPO_CONFIG_INVALID, without the password in the error`, async () => {
      const e = await rejected(derivePasswordKeys('hunter2-secret', w as PasswordWrap));
      expect(e.code).toBe('REPO_CONFIG_INVALID');
      expect(String(e.params.reason)).toMatch(reason);
      expect(everythingShown(e)).not.toContain('hunter2-secret');
    });
  }
});

describe('deriveEarly (the CLI starts the scrypt while its modules load)', () => {
  const ref = (password: string, w: PasswordWrap): Buffer =>
    scryptSync(Buffer.from(password), Buffer.from(w.salt, 'base64'), 64, { N: w.N, r: w.r, p: w.p });

  it('the first matching call gets the right keys and owns them: wiping them leaves the next call whole', async () => {
    const wrap = newPasswordWrap('test');
    deriveEarly('early one', wrap);
    const first = await derivePasswordKeys('early one', { ...wrap });
    expect(first.wrapKey.equals(ref('early one', wrap).subarray(0, 32))).toBe(true);
    first.wrapKey.fill(0);
    first.authKey.fill(0);
    const second = await derivePasswordKeys('early one', wrap);
    expect(second.wrapKey.equals(ref('early one', wrap).subarray(0, 32))).toBe(true);
    expect(second.authKey.equals(ref('early one', wrap).subarray(32))).toBe(true);
  });

  it('another password or another salt never gets the early keys, and the early ones stay for their own caller', async () => {
    const wrap = newPasswordWrap('test');
    const other = newPasswordWrap('test');
    deriveEarly('typed right', wrap);
    const wrong = await derivePasswordKeys('typed wrong', wrap);
    expect(wrong.wrapKey.equals(ref('typed wrong', wrap).subarray(0, 32))).toBe(true);
    const otherSalt = await derivePasswordKeys('typed right', other);
    expect(otherSalt.wrapKey.equals(ref('typed right', other).subarray(0, 32))).toBe(true);
    const right = await derivePasswordKeys('typed right', wrap);
    expect(right.wrapKey.equals(ref('typed right', wrap).subarray(0, 32))).toBe(true);
  });

  it('a bad wrap fails the caller as it would without the early start', async () => {
    const bad = { ...newPasswordWrap('test'), N: 3 };
    deriveEarly('whatever', bad);
    await expect(derivePasswordKeys('whatever', bad)).rejects.toMatchObject({ code: 'REPO_CONFIG_INVALID' });
  });
});
