// Seeded, reproducible randomness for the corpus.
//
// - Sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand) drives
//   every structural choice: names, sizes, words. Each stream is seeded from SHA-256(seed, label), so a
//   file's content depends only on the seed and its own label, never on generation order.
// - Bulk incompressible bytes (the stand-ins for JPEG/MP4/ZIP) come from an AES-256-CTR keystream keyed
//   the same way: a deterministic PRNG that runs at GB/s on AES-NI, where a JS generator would spend
//   seconds per GiB. Its output is indistinguishable from random, so no compressor gains anything.
import { createCipheriv, createHash } from 'node:crypto';

function seedBytes(seed: string, label: string): Buffer {
  return createHash('sha256').update(`havre-bench\0${seed}\0${label}`).digest();
}

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string, label: string) {
    const s = seedBytes(seed, label);
    this.a = s.readUInt32LE(0);
    this.b = s.readUInt32LE(4);
    this.c = s.readUInt32LE(8);
    this.d = s.readUInt32LE(12) | 1;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** uniform uint32 */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** uniform in [0, 1) */
  float(): number {
    return this.next() / 4294967296;
  }

  /** uniform integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new Error('pick from empty list');
    return list[Math.floor(this.float() * list.length)] as T;
  }

  /** log-uniform in [lo, hi]: many small values, a few large ones (file sizes) */
  logUniform(lo: number, hi: number): number {
    return Math.round(Math.exp(Math.log(lo) + this.float() * (Math.log(hi) - Math.log(lo))));
  }
}

const ZEROS = Buffer.alloc(16 * 1024 * 1024);

/** A deterministic stream of incompressible bytes. */
export class ByteStream {
  private readonly cipher;

  constructor(seed: string, label: string) {
    this.cipher = createCipheriv('aes-256-ctr', seedBytes(seed, `bytes\0${label}`), Buffer.alloc(16));
  }

  /** next n bytes of the stream (n ≤ 16 MiB) */
  take(n: number): Buffer {
    if (n > ZEROS.length) throw new Error('ByteStream.take: at most 16 MiB at a time');
    return this.cipher.update(ZEROS.subarray(0, n));
  }
}
