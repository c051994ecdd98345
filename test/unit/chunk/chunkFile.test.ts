import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chunker, chunkBuffer, chunkFile, DEFAULT_CHUNKER_PARAMS } from '../../../src-main/engine/chunk/index.js';
import type { ChunkerParams } from '../../../src-main/engine/chunk/index.js';
import { KEY1, keystream } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SMALL: ChunkerParams = { min: 2048, avg: 8192, max: 65536 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'havre-chunk-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileChunks(path: string, chunker: Chunker, readSize?: number): Promise<Buffer[]> {
  const fh = await open(path, 'r');
  try {
    const out: Buffer[] = [];
    for await (const c of chunkFile(fh, chunker, readSize === undefined ? {} : { readSize })) out.push(c);
    return out;
  } finally {
    await fh.close();
  }
}

/** A FileHandle over a buffer whose reads return a random number of bytes (short reads), and
 *  which records the largest buffer it was handed. */
function flakyHandle(data: Buffer, seed: number): { fh: FileHandle; largestBuffer: () => number } {
  let x = seed;
  let largest = 0;
  const rand = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const fake = {
    read(buffer: Buffer, offset: number, length: number, position: number) {
      largest = Math.max(largest, buffer.length);
      const want = Math.max(1, Math.floor(rand() * length));
      const n = Math.max(0, Math.min(want, data.length - position));
      data.copy(buffer, offset, position, position + n);
      return Promise.resolve({ bytesRead: n, buffer });
    },
  };
  return { fh: fake as unknown as FileHandle, largestBuffer: () => largest };
}

const lengthsOf = (cs: Buffer[]): number[] => cs.map((c) => c.length);

describe('chunkFile', () => {
  it('gives the same boundaries as chunkBuffer whatever the read size', async () => {
    // Random data with a run of zeros (chunks cut at max) and a short tail.
    const data = Buffer.concat([keystream('file', 13 * MiB), Buffer.alloc(9 * MiB), keystream('tail', 777_777)]);
    const path = join(dir, 'big');
    await writeFile(path, data);
    const chunker = new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS);
    const expected = lengthsOf([...chunkBuffer(data, chunker)]);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    for (const readSize of [KiB, 64 * KiB, 8 * MiB, 3 * MiB + 17, undefined]) {
      const got = await fileChunks(path, chunker, readSize);
      expect(lengthsOf(got)).toEqual(expected);
      expect(Buffer.concat(got).equals(data)).toBe(true);
    }
  });

  it('gives the same boundaries with 1 KiB reads and with random short reads', async () => {
    const data = keystream('small params', 3 * MiB + 5);
    const path = join(dir, 'small-params');
    await writeFile(path, data);
    const chunker = new Chunker(KEY1, SMALL);
    const expected = lengthsOf([...chunkBuffer(data, chunker)]);
    expect(lengthsOf(await fileChunks(path, chunker, KiB))).toEqual(expected);
    const big = Buffer.concat([data, Buffer.alloc(MiB), data]);
    const bigExpected = lengthsOf([...chunkBuffer(big, new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS))]);
    for (const seed of [1, 2, 3]) {
      for (const [d, c, exp] of [[data, chunker, expected], [big, new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS), bigExpected]] as const) {
        const readSize = 1 + ((seed * 7919 * KiB) % (2 * MiB));
        const { fh, largestBuffer } = flakyHandle(d, seed);
        const got: Buffer[] = [];
        for await (const ch of chunkFile(fh, c, { readSize })) got.push(ch);
        expect(lengthsOf(got)).toEqual(exp);
        expect(Buffer.concat(got).equals(d)).toBe(true);
        // Bounded memory: the read buffer never outgrows readSize + max.
        expect(largestBuffer()).toBeLessThanOrEqual(readSize + c.params.max);
      }
    }
  });

  it('yields nothing for an empty file and one chunk for a 1-byte file', async () => {
    const chunker = new Chunker(KEY1, DEFAULT_CHUNKER_PARAMS);
    await writeFile(join(dir, 'empty'), Buffer.alloc(0));
    await writeFile(join(dir, 'one'), Buffer.from([42]));
    expect(await fileChunks(join(dir, 'empty'), chunker)).toEqual([]);
    const one = await fileChunks(join(dir, 'one'), chunker);
    expect(one).toHaveLength(1);
    expect([...one[0]!]).toEqual([42]);
    expect([...chunkBuffer(new Uint8Array(0), chunker)]).toEqual([]);
  });

  it('yields chunks the consumer owns (own ArrayBuffer, not overwritten by later reads)', async () => {
    const data = keystream('own', 2 * MiB);
    const path = join(dir, 'own');
    await writeFile(path, data);
    const chunks = await fileChunks(path, new Chunker(KEY1, SMALL), 64 * KiB);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    for (const c of chunks) {
      expect(c.byteOffset).toBe(0);
      expect(c.buffer.byteLength).toBe(c.length);
    }
  });

  it('ends at the new EOF when the file shrinks while it is read', async () => {
    const data = keystream('shrink', 6 * MiB);
    const path = join(dir, 'shrink');
    await writeFile(path, data);
    const fh = await open(path, 'r');
    const got: Buffer[] = [];
    try {
      for await (const c of chunkFile(fh, new Chunker(KEY1, SMALL), { readSize: 256 * KiB })) {
        if (got.length === 0) await truncate(path, 1 * MiB);
        got.push(c);
      }
    } finally {
      await fh.close();
    }
    const total = Buffer.concat(got);
    expect(total.length).toBeGreaterThanOrEqual(1 * MiB);
    expect(total.length).toBeLessThan(data.length);
    expect(total.equals(data.subarray(0, total.length))).toBe(true);
  });

  it('stops when its signal is aborted', async () => {
    const data = keystream('abort', 4 * MiB);
    const path = join(dir, 'abort');
    await writeFile(path, data);
    const fh = await open(path, 'r');
    const ac = new AbortController();
    let n = 0;
    try {
      await expect(
        (async () => {
          for await (const _c of chunkFile(fh, new Chunker(KEY1, SMALL), { readSize: 64 * KiB, signal: ac.signal })) {
            if (++n === 3) ac.abort();
          }
        })(),
      ).rejects.toThrow(/abort/i);
    } finally {
      await fh.close();
    }
    expect(n).toBeLessThan(40);
  });

  it('refuses a nonsensical readSize', async () => {
    const { fh } = flakyHandle(Buffer.alloc(10), 1);
    await expect(chunkFile(fh, new Chunker(KEY1, SMALL), { readSize: 0 }).next()).rejects.toThrow(RangeError);
  });
});
