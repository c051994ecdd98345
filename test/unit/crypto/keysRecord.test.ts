import { describe, it, expect, beforeAll } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  createStandaloneAuthority,
  parseKeysRecord,
  unlockWithLak,
  unlockWithPassword,
  unlockWithRecoveryKey,
  type KeysRecord,
} from '../../../src-main/engine/crypto/index.js';
import { thrown } from './helpers.js';

// This file uses the real default parameters (scrypt N=2^17): the one authority built as users get it.
let record: KeysRecord;
let json: Record<string, unknown>;
let secret: Buffer;
let lak: Buffer;
let recoveryKey: string;

beforeAll(async () => {
  const t0 = performance.now();
  ({ record, secret, lak, recoveryKey } = await createStandaloneAuthority({
    repoId: randomBytes(16).toString('hex'),
    userName: 'ana',
    host: 'ana-laptop',
    userPassword: 'default-params password',
    keychainAccount: 'repo-default-poste',
  }));
  console.log(`createStandaloneAuthority, default KDF (3× RSA-3072 + 2× scrypt N=2^17): ${Math.round(performance.now() - t0)} ms`);
  json = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
});

/** A deep copy of the valid record's JSON with one change applied. */
function mutate(change: (j: Record<string, any>) => void): unknown { // eslint-disable-line @typescript-eslint/no-explicit-any -- test-only free-form JSON edits
  const j = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
  change(j);
  return j;
}

function reasonOf(input: unknown): string {
  const e = thrown(() => parseKeysRecord(input));
  expect(e.code).toBe('REPO_CONFIG_INVALID');
  return String(e.params.reason);
}

describe('default KDF parameters (N=2^17, r=8, p=1)', () => {
  it('are what createStandaloneAuthority writes, and all three unlock paths work with them', async () => {
    for (const role of ['admin', 'user'] as const) {
      expect({ ...record[role].privateKey.wrap, salt: '' }).toEqual({ alg: 'scrypt', N: 131072, r: 8, p: 1, salt: '' });
    }
    const t0 = performance.now();
    expect((await unlockWithPassword(record, 'default-params password')).equals(secret)).toBe(true);
    console.log(`unlockWithPassword at default parameters: ${Math.round(performance.now() - t0)} ms`);
    expect((await unlockWithRecoveryKey(record, recoveryKey)).equals(secret)).toBe(true);
    expect(unlockWithLak(record, lak).equals(secret)).toBe(true);
  });
});

describe('parseKeysRecord', () => {
  it('accepts the valid record and returns an equal, independent copy', () => {
    const parsed = parseKeysRecord(json);
    expect(parsed).toEqual(record);
    expect(parsed).not.toBe(json);
  });

  it('refuses what is not a keys record', () => {
    for (const v of [null, 42, 'text', [], [json]]) expect(reasonOf(v)).toMatch(/not a JSON object/);
    expect(reasonOf({})).toMatch(/not a keys record/);
    expect(reasonOf(mutate((j) => (j.format = 'havre-repo')))).toMatch(/not a keys record/);
  });

  it('refuses a newer version with UNSUPPORTED_VERSION, whatever its shape', () => {
    for (const version of [2, 17]) {
      const e = thrown(() => parseKeysRecord({ format: 'havre-keys', version, somethingNew: true }));
      expect(e.code).toBe('UNSUPPORTED_VERSION');
      expect(e.params).toEqual({ version });
    }
  });

  it('refuses a malformed version with REPO_CONFIG_INVALID', () => {
    for (const version of ['1', 0, -1, 1.5, null, undefined]) {
      expect(reasonOf(mutate((j) => (j.version = version)))).toMatch(/bad version/);
    }
  });

  it('refuses each missing member, at every level', () => {
    const paths = [
      ['repoId'], ['created'], ['admin'], ['user'], ['poste'],
      ['admin', 'publicKey'], ['admin', 'secret'], ['admin', 'privateKey'],
      ['user', 'name'], ['user', 'privateKey', 'wrap'], ['user', 'privateKey', 'sealed'],
      ['poste', 'host'], ['poste', 'privateKey', 'wrap', 'keyRef'], ['admin', 'privateKey', 'wrap', 'salt'],
    ];
    for (const path of paths) {
      const reason = reasonOf(mutate((j) => {
        let o = j;
        for (const p of path.slice(0, -1)) o = o[p];
        delete o[path.at(-1)!];
      }));
      expect(reason).toMatch(/missing/);
    }
  });

  it('refuses unexpected members', () => {
    expect(reasonOf(mutate((j) => (j.extra = 1)))).toMatch(/unexpected member/);
    expect(reasonOf(mutate((j) => (j.user.extra = 1)))).toMatch(/unexpected member/);
    expect(reasonOf(mutate((j) => (j.poste.privateKey.wrap.extra = 1)))).toMatch(/unexpected member/);
  });

  it('refuses bad base64: junk characters, missing padding, non-canonical bits, wrong type', () => {
    const valid = json as { user: { secret: string; publicKey: string } };
    expect(valid.user.publicKey).toMatch(/=$/); // 422-byte SPKI: padded
    const variants = [
      valid.user.secret.replace(/.$/, '*'),
      `${valid.user.secret}=`,
      `${valid.user.secret.slice(0, 4)}\n${valid.user.secret.slice(4)}`,
      valid.user.secret.replace(/[A-Za-z]/, '-'), // base64url is not base64
      12,
    ];
    for (const v of variants) expect(reasonOf(mutate((j) => (j.user.secret = v)))).toMatch(/user\.secret is not valid base64/);
    expect(reasonOf(mutate((j) => (j.user.publicKey = valid.user.publicKey.replace(/=+$/, ''))))).toMatch(/user\.publicKey is not valid base64/);
    expect(reasonOf(mutate((j) => (j.admin.privateKey.sealed = 'QR==')))).toMatch(/not valid base64/); // "QQ==" is the canonical form
    expect(reasonOf(mutate((j) => (j.poste.publicKey = 'Zm9v!')))).toMatch(/poste\.publicKey is not valid base64/);
  });

  it('refuses bad field values', () => {
    expect(reasonOf(mutate((j) => (j.repoId = 'ABCDEF' + j.repoId.slice(6))))).toMatch(/repoId/);
    expect(reasonOf(mutate((j) => (j.repoId = j.repoId.slice(1))))).toMatch(/repoId/);
    expect(reasonOf(mutate((j) => (j.created = 'yesterday')))).toMatch(/created/);
    expect(reasonOf(mutate((j) => (j.user.name = '')))).toMatch(/user\.name/);
    expect(reasonOf(mutate((j) => (j.poste.host = 'a\nb')))).toMatch(/poste\.host/);
    expect(reasonOf(mutate((j) => (j.poste.privateKey.wrap.alg = 'scrypt')))).toMatch(/unknown algorithm/);
    expect(reasonOf(mutate((j) => (j.poste.privateKey.wrap.keyRef = '')))).toMatch(/keyRef/);
    expect(reasonOf(mutate((j) => (j.user.privateKey.wrap.N = 1024)))).toMatch(/user\.privateKey\.wrap: scrypt parameters too weak/);
    expect(reasonOf(mutate((j) => (j.admin.privateKey.wrap.N = 2 ** 23)))).toMatch(/out of range/);
    expect(reasonOf(mutate((j) => (j.admin.privateKey.wrap.alg = 'argon2id')))).toMatch(/unknown key derivation/);
    expect(reasonOf(mutate((j) => (j.user.secret = Buffer.alloc(256).toString('base64'))))).toMatch(/wrong length/);
    expect(reasonOf(mutate((j) => (j.user.privateKey.sealed = Buffer.alloc(28).toString('base64'))))).toMatch(/too short/);
  });

  it('refuses public keys that are not RSA-3072', () => {
    const der = (k: Buffer): string => k.toString('base64');
    const rsa2048 = der(generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } }).publicKey);
    const ec = der(generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } }).publicKey);
    for (const k of [rsa2048, ec, Buffer.from('not a key').toString('base64')]) {
      expect(reasonOf(mutate((j) => (j.admin.publicKey = k)))).toMatch(/admin\.publicKey is not an RSA-3072 public key/);
    }
  });

  it('never echoes record content in its reasons', () => {
    const reason = reasonOf(mutate((j) => (j.user.name = 'x'.repeat(300))));
    expect(reason).not.toContain('xxxx');
  });
});
