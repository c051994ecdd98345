import { describe, it, expect } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { blobId, deriveRepoKeys, hkdfSha256, wipe, wipeRepoKeys } from '../../../src-main/engine/crypto/index.js';
import { thrown } from './helpers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');

/** RFC 5869 written out with HMAC, independent of Node's hkdf. */
function referenceHkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    t = createHmac('sha256', prk).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    blocks.push(t);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

describe('HKDF-SHA256', () => {
  it('matches RFC 5869 test case 1', () => {
    const okm = hkdfSha256(hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});

describe('deriveRepoKeys (FORMAT.md §2)', () => {
  const SECRET = Buffer.alloc(32, 0x01);

  it('matches known answers computed with `openssl kdf ... HKDF` for SECRET = 01…01', () => {
    // openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:0101…01 -kdfopt salt:havre/v1 -kdfopt info:havre/v1/<label> HKDF
    const k = deriveRepoKeys(SECRET);
    expect(k.enc.toString('hex')).toBe('ed40f019bd02cbdde6cf747fe8d01c8ded6d055ffcc1f746841fb0e75ea2a30e');
    expect(k.id.toString('hex')).toBe('540c094bbb7a7304485a1831b92fd06e042d557f6d82410607363d6a14b48314');
    expect(k.chunker.toString('hex')).toBe('2bc4d9354ca9f0c1d4660c63bc43ef2693adb480a14ddfa72f0b892ee15111f7');
    expect(k.log.toString('hex')).toBe('d23abc38283d22952fb9d763abc698901d389c80e07f75cca3ef4b91c17a97ab');
    expect(k.config.toString('hex')).toBe('461e4a1a9da450e42ff33dc7a378600a4557a61e01902aab25d2302e049c1661');
  });

  it('follows the formula for random secrets: salt "havre/v1", info "havre/v1/<label>", 32 bytes', () => {
    for (let n = 0; n < 8; n++) {
      const secret = randomBytes(32);
      const k = deriveRepoKeys(secret);
      for (const label of ['enc', 'id', 'chunker', 'log', 'config'] as const) {
        expect(k[label].equals(referenceHkdf(secret, Buffer.from('havre/v1'), Buffer.from(`havre/v1/${label}`), 32))).toBe(true);
      }
    }
  });

  it('is deterministic, gives five distinct 32-byte keys, and differs per SECRET', () => {
    const a = deriveRepoKeys(SECRET);
    const b = deriveRepoKeys(Buffer.from(SECRET));
    const c = deriveRepoKeys(Buffer.alloc(32, 0x02));
    const all: Buffer[] = [a.enc, a.id, a.chunker, a.log, a.config];
    expect(all).toHaveLength(5);
    for (const key of all) expect(key.length).toBe(32);
    expect(new Set(all.map((k) => k.toString('hex'))).size).toBe(5);
    expect(a).toEqual(b);
    for (const label of ['enc', 'id', 'chunker', 'log', 'config'] as const) expect(a[label].equals(c[label])).toBe(false);
  });

  it('refuses a SECRET that is not 32 bytes', () => {
    expect(thrown(() => deriveRepoKeys(Buffer.alloc(16))).code).toBe('INTERNAL');
  });
});

describe('blobId and wipe', () => {
  it('blobId is HMAC-SHA256 under K_id: keyed, so the same content has another id in another repository', () => {
    const data = Buffer.from('same file content');
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    expect(blobId(k1, data).equals(createHmac('sha256', k1).update(data).digest())).toBe(true);
    expect(blobId(k1, data).equals(blobId(k2, data))).toBe(false);
    expect(blobId(k1, data)).toHaveLength(32);
  });

  it('wipe zeroes every buffer, wipeRepoKeys every sub-key', () => {
    const a = randomBytes(32);
    const b = randomBytes(7);
    wipe(a, b);
    expect(a.every((x) => x === 0) && b.every((x) => x === 0)).toBe(true);
    const keys = deriveRepoKeys(randomBytes(32));
    wipeRepoKeys(keys);
    for (const k of [keys.enc, keys.id, keys.chunker, keys.log, keys.config]) expect(k.every((x) => x === 0)).toBe(true);
  });
});
