import { describe, it, expect, beforeAll } from 'vitest';
import { constants, createHash, createPrivateKey, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { generateRsaKeyPair, rsaPublicKeyBits, rsaUnwrap, rsaWrap } from '../../../src-main/engine/crypto/index.js';
import { thrown } from './helpers.js';

function mgf1Sha256(seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < length; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    out.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((x, i) => x ^ b[i]!));
}

/** RFC 8017 §7.1.2 EME-OAEP decoding with SHA-256 for both hash and MGF1, written out by hand. */
function oaepSha256Decode(em: Buffer): Buffer {
  const hLen = 32;
  expect(em[0]).toBe(0);
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seed = xor(maskedSeed, mgf1Sha256(maskedDb, hLen));
  const db = xor(maskedDb, mgf1Sha256(seed, maskedDb.length));
  expect(db.subarray(0, hLen).equals(createHash('sha256').update(Buffer.alloc(0)).digest())).toBe(true); // empty label
  const one = db.indexOf(1, hLen);
  expect(db.subarray(hLen, one).every((x) => x === 0)).toBe(true);
  return db.subarray(one + 1);
}

describe('RSA-3072 and RSA-OAEP wrapping (FORMAT.md §3)', () => {
  let pair: { publicKey: Buffer; privateKey: Buffer };
  beforeAll(async () => {
    const t0 = performance.now();
    pair = await generateRsaKeyPair();
    console.log(`RSA-3072 key generation: ${Math.round(performance.now() - t0)} ms`);
  });

  it('generates 3072-bit keys as SPKI DER and PKCS#8 DER', () => {
    expect(rsaPublicKeyBits(pair.publicKey)).toBe(3072);
    const priv = createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' });
    expect(priv.asymmetricKeyType).toBe('rsa');
    expect(priv.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it('wraps and unwraps a 32-byte key; each wrap is randomised', () => {
    const secret = randomBytes(32);
    const a = rsaWrap(pair.publicKey, secret);
    const b = rsaWrap(pair.publicKey, secret);
    expect(a).toHaveLength(384);
    expect(a.equals(b)).toBe(false);
    expect(rsaUnwrap(pair.privateKey, a).equals(secret)).toBe(true);
    expect(rsaUnwrap(pair.privateKey, b).equals(secret)).toBe(true);
  });

  it('uses OAEP with SHA-256 for the hash AND for MGF1, empty label (decoded by hand)', () => {
    const secret = randomBytes(32);
    const wrapped = rsaWrap(pair.publicKey, secret);
    const key = createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' });
    const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, wrapped);
    expect(oaepSha256Decode(em).equals(secret)).toBe(true);
  });

  it('refuses damaged data and the wrong private key with INTEGRITY', () => {
    const wrapped = rsaWrap(pair.publicKey, randomBytes(32));
    for (const i of [0, 100, 383]) {
      const bad = Buffer.from(wrapped);
      bad[i]! ^= 0x01;
      expect(thrown(() => rsaUnwrap(pair.privateKey, bad)).code).toBe('INTEGRITY');
    }
    expect(thrown(() => rsaUnwrap(pair.privateKey, wrapped.subarray(1))).code).toBe('INTEGRITY');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
    expect(thrown(() => rsaUnwrap(other.privateKey, wrapped)).code).toBe('INTEGRITY');
    expect(thrown(() => rsaUnwrap(Buffer.from('not a key'), wrapped)).code).toBe('INTEGRITY');
  });

  it('refuses to wrap for a key weaker than RSA-3072 or not RSA at all', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
    expect(thrown(() => rsaWrap(weak.publicKey, randomBytes(32))).code).toBe('REPO_CONFIG_INVALID');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
    expect(rsaPublicKeyBits(ec.publicKey)).toBeNull();
    expect(thrown(() => rsaWrap(ec.publicKey, randomBytes(32))).code).toBe('REPO_CONFIG_INVALID');
  });
});
