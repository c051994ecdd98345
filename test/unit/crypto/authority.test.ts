import { describe, it, expect, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  changeUserPassword,
  createStandaloneAuthority,
  deriveRepoKeys,
  open,
  parseKeysRecord,
  replacePosteKey,
  rewrapUserPassword,
  seal,
  unlockWithLak,
  unlockWithPassword,
  unlockWithRecoveryKey,
  type KeysRecord,
} from '../../../src-main/engine/crypto/index.js';
import type { HavreError } from '../../../src-main/engine/errors/index.js';
import { everythingShown, rejected, thrown } from './helpers.js';

const PASSWORD = 'Tr0ub4dor&3-\u00e9t\u00e9'; // composed accents: NFC is checked below
const REPO_ID = randomBytes(16).toString('hex');

let record: KeysRecord;
let secret: Buffer;
let lak: Buffer;
let recoveryKey: string;

const clone = (r: KeysRecord): KeysRecord => JSON.parse(JSON.stringify(r)) as KeysRecord;

/** Flips one bit of the decoded bytes; a negative index counts from the end of that field. */
function flipB64(b64: string, index: number): string {
  const buf = Buffer.from(b64, 'base64');
  const at = index < 0 ? buf.length + index : index;
  if (at < 0 || at >= buf.length) throw new Error('flip outside the field');
  buf[at]! ^= 0x01;
  return buf.toString('base64');
}

/** A rejected unlock must never show any secret it was given or holds. */
function expectNoSecrets(e: HavreError): void {
  const shown = everythingShown(e);
  for (const s of [PASSWORD, recoveryKey, recoveryKey.replace(/-/g, ''), secret.toString('base64'), secret.toString('hex'), lak.toString('base64'), lak.toString('hex')]) {
    expect(shown).not.toContain(s);
  }
}

beforeAll(async () => {
  const t0 = performance.now();
  ({ record, secret, lak, recoveryKey } = await createStandaloneAuthority({
    repoId: REPO_ID,
    userName: 'ana',
    host: 'ana-laptop',
    userPassword: PASSWORD,
    keychainAccount: `repo-${REPO_ID}-poste`,
    kdf: 'test',
  }));
  console.log(`createStandaloneAuthority (3× RSA-3072 + 2× scrypt N=2^12): ${Math.round(performance.now() - t0)} ms`);
  // Keep our own copies: the API hands out buffers the caller may wipe.
  secret = Buffer.from(secret);
  lak = Buffer.from(lak);
});

describe('createStandaloneAuthority (FORMAT.md §3)', () => {
  it('returns a 32-byte SECRET and LAK, a well-formed recovery key, and a record the parser accepts as is', () => {
    expect(secret).toHaveLength(32);
    expect(lak).toHaveLength(32);
    expect(secret.equals(lak)).toBe(false);
    expect(recoveryKey).toMatch(/^[A-Z2-7]{4}(?:-[A-Z2-7]{4}){7}$/);
    expect(parseKeysRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
  });

  it('writes exactly the JSON shape of FORMAT.md §3', () => {
    const j = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['format', 'version', 'repoId', 'created', 'admin', 'user', 'poste']);
    expect(j.format).toBe('havre-keys');
    expect(j.version).toBe(1);
    expect(j.repoId).toBe(REPO_ID);
    expect(Number.isFinite(Date.parse(record.created))).toBe(true);
    expect(Object.keys(record.admin)).toEqual(['publicKey', 'secret', 'privateKey']);
    expect(Object.keys(record.user)).toEqual(['name', 'publicKey', 'secret', 'privateKey']);
    expect(Object.keys(record.poste)).toEqual(['host', 'publicKey', 'secret', 'privateKey']);
    expect(record.user.name).toBe('ana');
    expect(record.poste.host).toBe('ana-laptop');
    expect(record.poste.privateKey.wrap).toEqual({ alg: 'local-authority', keyRef: `repo-${REPO_ID}-poste` });
    for (const role of ['admin', 'user'] as const) {
      expect({ ...record[role].privateKey.wrap, salt: '' }).toEqual({ alg: 'scrypt', N: 4096, r: 8, p: 1, salt: '' });
    }
    expect(record.admin.privateKey.wrap.salt).not.toBe(record.user.privateKey.wrap.salt);
    expect(new Set([record.admin.publicKey, record.user.publicKey, record.poste.publicKey]).size).toBe(3);
  });

  it('puts no secret in the record: not the password, recovery key, SECRET or LAK', () => {
    const text = JSON.stringify(record);
    for (const s of [PASSWORD, recoveryKey, recoveryKey.replace(/-/g, ''), secret.toString('base64'), secret.toString('hex'), lak.toString('base64'), lak.toString('hex')]) {
      expect(text).not.toContain(s);
    }
  });

  it('refuses a malformed repoId', async () => {
    const e = await rejected(createStandaloneAuthority({ repoId: 'XYZ', userName: 'a', host: 'h', userPassword: 'p', keychainAccount: 'k', kdf: 'test' }));
    expect(e.code).toBe('REPO_CONFIG_INVALID');
  });
});

describe('unlock paths', () => {
  it('gives the same SECRET through the LAK, the password and the recovery key', async () => {
    expect(unlockWithLak(record, lak).equals(secret)).toBe(true);
    expect((await unlockWithPassword(record, PASSWORD)).equals(secret)).toBe(true);
    expect((await unlockWithRecoveryKey(record, recoveryKey)).equals(secret)).toBe(true);
  });

  it('gives sub-keys that open what another path sealed', async () => {
    const viaLak = deriveRepoKeys(unlockWithLak(record, lak));
    const viaPassword = deriveRepoKeys(await unlockWithPassword(record, PASSWORD));
    const blob = seal(viaLak.enc, Buffer.from('file content'), Buffer.alloc(32, 7));
    expect(open(viaPassword.enc, blob, Buffer.alloc(32, 7), 'blob').toString()).toBe('file content');
  });

  it('accepts the password in another Unicode normal form (NFD)', async () => {
    expect((await unlockWithPassword(record, PASSWORD.normalize('NFD'))).equals(secret)).toBe(true);
  });

  it('accepts the recovery key typed in lower case, with spaces instead of dashes', async () => {
    const typed = recoveryKey.toLowerCase().replace(/-/g, ' ');
    expect((await unlockWithRecoveryKey(record, ` ${typed} `)).equals(secret)).toBe(true);
  });

  it('refuses a wrong password with WRONG_PASSWORD, and the error shows no secret', async () => {
    for (const wrong of ['tr0ub4dor&3-\u00e9t\u00e9', '', PASSWORD + ' ', 'x']) {
      const e = await rejected(unlockWithPassword(record, wrong));
      expect(e.code).toBe('WRONG_PASSWORD');
      expect(everythingShown(e)).not.toContain(wrong || '\u0000');
      expectNoSecrets(e);
    }
  });

  it('refuses a wrong recovery key, and the user password as recovery key, with WRONG_PASSWORD', async () => {
    const other = 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH';
    expect((await rejected(unlockWithRecoveryKey(record, other))).code).toBe('WRONG_PASSWORD');
    const e = await rejected(unlockWithRecoveryKey(record, PASSWORD));
    expect(e.code).toBe('WRONG_PASSWORD');
    expectNoSecrets(e);
    // and the recovery key is not a user password
    expect((await rejected(unlockWithPassword(record, recoveryKey))).code).toBe('WRONG_PASSWORD');
  });

  it('refuses a LAK that does not fit with INTEGRITY on the local authority key', () => {
    for (const wrong of [randomBytes(32), Buffer.alloc(32), lak.subarray(0, 31), Buffer.concat([lak, Buffer.from([0])])]) {
      const e = thrown(() => unlockWithLak(record, wrong));
      expect(e.code).toBe('INTEGRITY');
      expect(e.params).toEqual({ what: 'local authority key' });
      expectNoSecrets(e);
    }
  });
});

describe('tampered records are refused', () => {
  it('a flipped byte in any sealed private key', async () => {
    for (const i of [0, 11, 12, 500, -1]) {
      const r = clone(record);
      r.poste.privateKey.sealed = flipB64(r.poste.privateKey.sealed, i);
      r.user.privateKey.sealed = flipB64(r.user.privateKey.sealed, i);
      r.admin.privateKey.sealed = flipB64(r.admin.privateKey.sealed, i);
      expect(thrown(() => unlockWithLak(r, lak)).code).toBe('INTEGRITY');
      // Under a password, a failed tag cannot tell tampering from a typo: it reads as a wrong password.
      expect((await rejected(unlockWithPassword(r, PASSWORD))).code).toBe('WRONG_PASSWORD');
      expect((await rejected(unlockWithRecoveryKey(r, recoveryKey))).code).toBe('WRONG_PASSWORD');
    }
  });

  it('user and admin sealed keys swapped, with or without their wraps, or whole roles swapped', async () => {
    const sealedOnly = clone(record);
    [sealedOnly.user.privateKey.sealed, sealedOnly.admin.privateKey.sealed] = [record.admin.privateKey.sealed, record.user.privateKey.sealed];
    const withWraps = clone(record);
    [withWraps.user.privateKey, withWraps.admin.privateKey] = [clone(record).admin.privateKey, clone(record).user.privateKey];
    const roles = clone(record);
    const { name: _n, ...adminLike } = clone(record).user;
    roles.admin = adminLike;
    roles.user = { name: 'ana', ...clone(record).admin };
    for (const r of [sealedOnly, withWraps, roles]) {
      expect((await rejected(unlockWithPassword(r, PASSWORD))).code).toBe('WRONG_PASSWORD');
      expect((await rejected(unlockWithRecoveryKey(r, recoveryKey))).code).toBe('WRONG_PASSWORD');
    }
  });

  it('the poste sealed key moved into the user slot (AAD binds the role)', async () => {
    const r = clone(record);
    r.user.privateKey.sealed = record.poste.privateKey.sealed;
    expect((await rejected(unlockWithPassword(r, PASSWORD))).code).toBe('WRONG_PASSWORD');
  });

  it('a record moved to another repository (AAD binds the repoId)', async () => {
    const r = clone(record);
    r.repoId = randomBytes(16).toString('hex');
    expect(thrown(() => unlockWithLak(r, lak)).code).toBe('INTEGRITY');
    expect((await rejected(unlockWithPassword(r, PASSWORD))).code).toBe('WRONG_PASSWORD');
  });

  it('a damaged or swapped wrapped SECRET', async () => {
    const r = clone(record);
    r.poste.secret = flipB64(r.poste.secret, 200);
    r.user.secret = record.admin.secret; // wrapped for the admin key: the user key cannot open it
    // Each sealed private key is bound to the SECRET wrapped beside it (FORMAT.md §3), so a damaged
    // or swapped wrapped SECRET already fails when the private key is opened.
    const e = thrown(() => unlockWithLak(r, lak));
    expect(e.code).toBe('INTEGRITY');
    expect((await rejected(unlockWithPassword(r, PASSWORD))).code).toBe('WRONG_PASSWORD');
  });

  it('a weakened KDF in the record (scrypt N lowered) is refused before any work', async () => {
    const r = clone(record);
    r.user.privateKey.wrap.N = 1024;
    expect((await rejected(unlockWithPassword(r, PASSWORD))).code).toBe('REPO_CONFIG_INVALID');
  });
});

describe('password and machine key changes', () => {
  it('rewrapUserPassword: the recovery key sets a new password; the old one stops working', async () => {
    const next = await rewrapUserPassword(record, recoveryKey, 'new password 2', 'test');
    expect((await unlockWithPassword(next, 'new password 2')).equals(secret)).toBe(true);
    expect((await rejected(unlockWithPassword(next, PASSWORD))).code).toBe('WRONG_PASSWORD');
    expect(unlockWithLak(next, lak).equals(secret)).toBe(true);
    expect((await unlockWithRecoveryKey(next, recoveryKey)).equals(secret)).toBe(true);
    expect(next.user.publicKey).not.toBe(record.user.publicKey);
    expect(next.user.name).toBe('ana');
    expect(next.admin).toEqual(record.admin);
    expect(next.poste).toEqual(record.poste);
    expect((await rejected(rewrapUserPassword(record, 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH', 'x', 'test'))).code).toBe('WRONG_PASSWORD');
  });

  it('changeUserPassword: the old password reseals the same user key under a new one', async () => {
    const next = await changeUserPassword(record, PASSWORD, 'changed!', 'test');
    expect((await unlockWithPassword(next, 'changed!')).equals(secret)).toBe(true);
    expect((await rejected(unlockWithPassword(next, PASSWORD))).code).toBe('WRONG_PASSWORD');
    expect(next.user.publicKey).toBe(record.user.publicKey);
    expect(next.user.privateKey.wrap.salt).not.toBe(record.user.privateKey.wrap.salt);
    const e = await rejected(changeUserPassword(record, 'not it', 'changed!', 'test'));
    expect(e.code).toBe('WRONG_PASSWORD');
    expect(everythingShown(e)).not.toContain('changed!');
  });

  it('replacePosteKey: a new LAK after the keychain entry was lost; the old LAK stops working', async () => {
    const { record: next, lak: newLak } = await replacePosteKey(record, secret, { host: 'ana-new', keychainAccount: 'repo-x-poste-2' });
    expect(unlockWithLak(next, newLak).equals(secret)).toBe(true);
    expect(thrown(() => unlockWithLak(next, lak)).code).toBe('INTEGRITY');
    expect(next.poste.host).toBe('ana-new');
    expect(next.poste.privateKey.wrap.keyRef).toBe('repo-x-poste-2');
    expect((await unlockWithPassword(next, PASSWORD)).equals(secret)).toBe(true);
  });
});
