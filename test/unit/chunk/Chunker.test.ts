import { describe, it, expect, beforeAll } from 'vitest';
import { Chunker, chunkBuffer, DEFAULT_CHUNKER_PARAMS, highMask } from '../../../src-main/engine/chunk/index.js';
import type { ChunkerParams } from '../../../src-main/engine/chunk/index.js';
import { KEY1, KEY2, keystream, prng, referenceLengths, sha256hex } from './helpers.js';

const MiB = 1024 * 1024;
const SMALL: ChunkerParams = { min: 2048, avg: 8192, max: 65536 };

function lengths(data: Uint8Array, chunker: Chunker): number[] {
  return [...chunkBuffer(data, chunker)].map((c) => c.length);
}

describe('Chunker (default parameters, 64 MiB of random data)', () => {
  const chunker = new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS);
  // Shared by the tests below: made once, in beforeAll so that filtered runs skip it.
  let RANDOM_64M: Buffer = Buffer.alloc(0);
  let chunks: Buffer[] = [];
  beforeAll(() => {
    RANDOM_64M = keystream('havre chunker test 64M', 64 * MiB);
    chunks = [...chunkBuffer(RANDOM_64M, chunker)];
  });

  it('yields chunks that concatenate to the input', () => {
    expect(Buffer.concat(chunks).equals(RANDOM_64M)).toBe(true);
  });

  it('keeps every chunk but the last within [min, max], and the average within ±30 % of avg', () => {
    const { min, avg, max } = DEFAULT_CHUNKER_PARAMS;
    for (const c of chunks.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(min);
      expect(c.length).toBeLessThanOrEqual(max);
    }
    expect(chunks.at(-1)!.length).toBeLessThanOrEqual(max);
    const mean = RANDOM_64M.length / chunks.length;
    expect(mean).toBeGreaterThan(avg * 0.7);
    expect(mean).toBeLessThan(avg * 1.3);
  });

  it('is keyed: another key gives other boundaries', () => {
    const a = new Set<number>();
    let pos = 0;
    for (const c of chunks) a.add((pos += c.length));
    const other = lengths(RANDOM_64M, new Chunker(KEY2, DEFAULT_CHUNKER_PARAMS));
    let shared = 0;
    pos = 0;
    for (const l of other.slice(0, -1)) if (a.has((pos += l))) shared++;
    expect(shared).toBe(0);
  });

  it('resists shifts: bytes inserted near the start leave later chunks unchanged', () => {
    const before = new Set(chunks.map(sha256hex));
    const edited = Buffer.concat([RANDOM_64M.subarray(0, 1000), Buffer.from('inserted text'.repeat(8)), RANDOM_64M.subarray(1000)]);
    const after = [...chunkBuffer(edited, chunker)];
    const shared = after.filter((c) => before.has(sha256hex(c))).length;
    expect(shared / after.length).toBeGreaterThanOrEqual(0.8);
    // And a removal in the middle touches only the chunk it falls in and possibly its neighbour.
    const cut = Buffer.concat([RANDOM_64M.subarray(0, 30 * MiB), RANDOM_64M.subarray(30 * MiB + 5000)]);
    const afterCut = [...chunkBuffer(cut, chunker)];
    const lost = afterCut.filter((c) => !before.has(sha256hex(c))).length;
    expect(lost).toBeLessThanOrEqual(2);
  });
});

describe('Chunker', () => {
  it('cuts all-zero input at max', () => {
    const max = DEFAULT_CHUNKER_PARAMS.max;
    expect(lengths(Buffer.alloc(10 * MiB), new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS))).toEqual([max, max, 2 * MiB]);
    expect(lengths(Buffer.alloc(200_000), new Chunker(KEY1, SMALL))).toEqual([65536, 65536, 65536, 3392]);
  });

  it('agrees with a naive implementation of FORMAT.md §5, at any alignment', () => {
    const chunker = new Chunker(KEY1, SMALL);
    const random = prng('reference', 600_000);
    const lowEntropy = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * i) % 7 === 0 ? i & 0xff : 0x20));
    for (const data of [random, lowEntropy]) {
      for (let off = 0; off < 4; off++) {
        const view = data.subarray(off, data.length - (3 - off));
        expect(lengths(view, chunker)).toEqual(referenceLengths(KEY1, SMALL, view));
      }
    }
    // Default parameters, where MASK_L cuts dominate.
    const big = keystream('reference big', 12 * MiB);
    expect(lengths(big, new Chunker(KEY2, DEFAULT_CHUNKER_PARAMS))).toEqual(referenceLengths(KEY2, DEFAULT_CHUNKER_PARAMS, big));
  });

  it('takes MASK_S and MASK_L from the high bits (FORMAT.md §5)', () => {
    // log2(avg) ± 2 bits set from bit 31 down: 22 and 18 bits for avg = 1 MiB.
    expect(highMask(22) >>> 0).toBe(0xfffffc00);
    expect(highMask(18) >>> 0).toBe(0xffffc000);
    expect(highMask(32)).toBe(-1);
  });

  it('reports -1 until it has max bytes or eof, and then the same cut as on the whole data', () => {
    const chunker = new Chunker(KEY1, SMALL);
    const data = prng('partial', 200_000);
    const first = chunker.cutPoint(data, 0, data.length, true);
    expect(chunker.cutPoint(data, 0, 0, false)).toBe(-1);
    expect(chunker.cutPoint(data, 0, 0, true)).toBe(0);
    expect(chunker.cutPoint(data, 0, SMALL.min, false)).toBe(-1);
    expect(chunker.cutPoint(data, 0, 100, true)).toBe(100);
    expect(chunker.cutPoint(data, 0, 1, true)).toBe(1);
    for (let end = SMALL.min; end < SMALL.max + 10; end += 997) {
      const r = chunker.cutPoint(data, 0, end, false);
      if (end >= first) expect(r).toBe(first);
      else expect(r).toBe(-1);
      const e = chunker.cutPoint(data, 0, end, true);
      expect(e).toBe(end >= first ? first : end);
    }
    // start/end inside a larger buffer behave as on a subarray.
    const s = 12345;
    expect(chunker.cutPoint(data, s, data.length, false)).toBe(chunker.cutPoint(data.subarray(s), 0, data.length - s, false));
  });

  it('matches the published test vectors', () => {
    // FORMAT.md test vector: K_chunker = 32 × 0x01; data = SHA-256("havre/v1/chunker-test" ‖ u32le(i)), i = 0, 1, …
    // Two cuts by MASK_S (612271, 912698), five by MASK_L, then the end of the data.
    const data = prng('havre/v1/chunker-test', 8 * MiB);
    expect(lengths(data, new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS))).toEqual([
      612271, 1067249, 912698, 1057508, 1195762, 1070727, 1077791, 1394602,
    ]);
    expect(lengths(data.subarray(0, 256 * 1024), new Chunker(KEY1, SMALL))).toEqual([
      12737, 6982, 7930, 12351, 8051, 11669, 9900, 8219, 8258, 12251, 8793, 8956, 8677, 3240, 8247, 12326, 9872, 10262,
      11911, 8750, 9021, 11569, 9312, 11908, 10484, 4600, 8905, 6963,
    ]);
  });
});
