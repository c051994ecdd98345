import { describe, expect, it } from 'vitest';
import { createStandaloneAuthority, rsaWrap, unlockWithPassword, type KeysRecord } from '../../../src-main/engine/crypto/index.js';
import { randomBytes } from 'node:crypto';

describe('a forged key record cannot slip in a SECRET of the forger\'s choosing', () => {
  it('pairing the genuine sealed user key with another wrapped SECRET is refused', async () => {
    const a = await createStandaloneAuthority({ repoId: 'ab'.repeat(16), userName: 'ana', host: 'h', userPassword: 'pw', keychainAccount: 'k', kdf: 'test' });
    // Everyone can read the public key; the forger wraps its own SECRET for it.
    const forgerSecret = randomBytes(32);
    const wrapped = rsaWrap(Buffer.from(a.record.user.publicKey, 'base64'), forgerSecret).toString('base64');
    const forged: KeysRecord = { ...a.record, user: { ...a.record.user, secret: wrapped } };
    await expect(unlockWithPassword(forged, 'pw')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    expect(await unlockWithPassword(a.record, 'pw')).toEqual(a.secret);
  }, 120_000);
});
