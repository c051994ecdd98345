import { describe, it, expect, vi, afterEach } from 'vitest';
import { createCipheriv, createHash } from 'node:crypto';
import { brotliCompressSync, constants, deflateRawSync } from 'node:zlib';
import { CODEC, decodeBlob, encodeBlob } from '../../../src-main/engine/compress/index.js';
import { isHavreError } from '../../../src-main/engine/errors/index.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function random(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** Deterministic text: sentences drawn from a vocabulary, compressible like prose or code. */
function text(length: number): Buffer {
  const words = 'the repository holds encrypted chunks of every file and a snapshot names the tree of each backup run'.split(' ');
  const r = random('text', length);
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < length; i++) {
    const w = words[r[i % r.length]! % words.length]! + (i % 11 === 10 ? '.\n' : ' ');
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

function integrityError(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    return isHavreError(e, 'INTEGRITY') && e.params.what === 'compressed blob';
  }
  return false;
}

describe('encodeBlob', () => {
  it('compresses text with the writer codec and round-trips', () => {
    const plain = text(MiB);
    const { codec, payload } = encodeBlob(plain);
    expect(codec).toBe(CODEC.brotli);
    expect(payload.length).toBeLessThan(plain.length * 0.5);
    expect(decodeBlob(codec, payload, plain.length).equals(plain)).toBe(true);
  });

  it('stores random (already compressed) data as is, without a copy', () => {
    const plain = random('incompressible', MiB);
    const { codec, payload } = encodeBlob(plain);
    expect(codec).toBe(CODEC.none);
    expect(payload).toBe(plain);
  });

  it('samples across the blob: a random head followed by text is still compressed', () => {
    const plain = Buffer.concat([random('head', 64 * KiB), text(MiB)]);
    const { codec, payload } = encodeBlob(plain);
    expect(codec).toBe(CODEC.brotli);
    expect(decodeBlob(codec, payload, plain.length).equals(plain)).toBe(true);
  });

  it('the probe decides: text only between the sample points is stored as is', () => {
    // Samples sit at 0, 1/3, 2/3 and the end; the text occupies [100 KiB, 300 KiB) only.
    const plain = Buffer.concat([random('a', 100 * KiB), text(200 * KiB), random('b', 900 * KiB)]);
    expect(encodeBlob(plain).codec).toBe(CODEC.none);
  });

  it('stores as is when a compressible head is followed by incompressible data (saves < 3 %)', () => {
    const plain = Buffer.concat([text(64 * KiB), random('tail', 4 * MiB)]);
    expect(encodeBlob(plain).codec).toBe(CODEC.none);
  });

  it('handles empty and tiny blobs', () => {
    expect(encodeBlob(Buffer.alloc(0))).toEqual({ codec: CODEC.none, payload: Buffer.alloc(0) });
    const tiny = Buffer.from('{"nodes":[]}');
    const t = encodeBlob(tiny);
    expect(decodeBlob(t.codec, t.payload, tiny.length).equals(tiny)).toBe(true);
    const zeros = Buffer.alloc(100);
    const z = encodeBlob(zeros);
    expect(z.codec).not.toBe(CODEC.none);
    expect(decodeBlob(z.codec, z.payload, 100).equals(zeros)).toBe(true);
  });
});

describe('decodeBlob', () => {
  const plain = text(300 * KiB);
  const encoded: Record<number, Buffer> = {
    [CODEC.none]: plain,
    [CODEC.deflate]: deflateRawSync(plain, { level: 6 }),
    [CODEC.brotli]: brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
  };
  const codecs = [CODEC.none, CODEC.deflate, CODEC.brotli];

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('decodes each codec (streams from any writer, any level)', () => {
    for (const c of codecs) expect(decodeBlob(c, encoded[c]!, plain.length).equals(plain)).toBe(true);
    expect(decodeBlob(CODEC.none, Buffer.alloc(0), 0).length).toBe(0);
    expect(decodeBlob(CODEC.deflate, deflateRawSync(Buffer.alloc(0)), 0).length).toBe(0);
    expect(decodeBlob(CODEC.brotli, brotliCompressSync(Buffer.alloc(0)), 0).length).toBe(0);
  });

  it('refuses a wrong rawLength', () => {
    for (const c of codecs) {
      for (const len of [plain.length - 1, plain.length + 1, 0, 2 * plain.length, -1, 1.5, Number.NaN]) {
        expect(integrityError(() => decodeBlob(c, encoded[c]!, len)), `codec ${c} rawLength ${len}`).toBe(true);
      }
    }
  });

  it('refuses a huge rawLength in front of a small payload, without trying to allocate it', () => {
    for (const c of [CODEC.deflate, CODEC.brotli]) {
      const t0 = performance.now();
      expect(integrityError(() => decodeBlob(c, encoded[c]!, 2 ** 32 - 1))).toBe(true);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });

  it('refuses an unknown codec', () => {
    for (const c of [3, 255, -1, 1.5, Number.NaN]) expect(integrityError(() => decodeBlob(c, plain, plain.length))).toBe(true);
  });

  it('refuses corrupt payloads', () => {
    for (const c of [CODEC.deflate, CODEC.brotli]) {
      const p = encoded[c]!;
      expect(integrityError(() => decodeBlob(c, p.subarray(0, p.length >> 1), plain.length)), `truncated ${c}`).toBe(true);
      expect(integrityError(() => decodeBlob(c, Buffer.alloc(0), plain.length)), `empty ${c}`).toBe(true);
      expect(integrityError(() => decodeBlob(c, random('garbage', p.length), plain.length)), `garbage ${c}`).toBe(true);
      const flipped = Buffer.from(p);
      for (let i = 16; i < flipped.length; i += 997) flipped[i]! ^= 0x5a;
      expect(integrityError(() => decodeBlob(c, flipped, plain.length)), `flipped ${c}`).toBe(true);
    }
  });

  it('refuses a bomb without allocating much more than rawLength', () => {
    const huge = Buffer.alloc(64 * MiB); // zeros: ~64 KiB as DEFLATE, a few bytes as Brotli
    const bombs = [
      [CODEC.deflate, deflateRawSync(huge, { level: 9 })],
      [CODEC.brotli, brotliCompressSync(huge, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })],
    ] as const;
    const rawLength = 64 * KiB;
    for (const [codec, bomb] of bombs) {
      expect(bomb.length).toBeLessThan(100 * KiB);
      // Node's zlib allocates its output through Buffer.allocUnsafe: count what it asks for.
      const spy = vi.spyOn(Buffer, 'allocUnsafe');
      const t0 = performance.now();
      expect(integrityError(() => decodeBlob(codec, bomb, rawLength))).toBe(true);
      const ms = performance.now() - t0;
      const requested = spy.mock.calls.reduce((sum, [size]) => sum + size, 0);
      // Control: the spy does see zlib's buffers (an honest decode of 64 MiB asks for >= 64 MiB).
      spy.mockClear();
      expect(decodeBlob(codec, bomb, huge.length).length).toBe(huge.length);
      const honest = spy.mock.calls.reduce((sum, [size]) => sum + size, 0);
      spy.mockRestore();
      expect(honest).toBeGreaterThanOrEqual(huge.length);
      expect(requested).toBeGreaterThan(0);
      expect(requested).toBeLessThanOrEqual(rawLength + 1);
      // Decompressing all 64 MiB would take far longer than stopping after 64 KiB.
      expect(ms).toBeLessThan(2000);
    }
  });
});
