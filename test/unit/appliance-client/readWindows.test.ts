// Widened pack reads (store/appliance/ReadWindows.ts): the bytes are the ones asked for, whatever
// windows they span, and a restore reading a pack in order asks the appliance once per window.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReadWindows, WINDOW_BYTES } from '../../../src-main/engine/store/appliance/ReadWindows.js';
import type { ByteRange } from '../../../src-main/engine/store/index.js';

const pack = randomBytes(WINDOW_BYTES * 2 + 12345);

function counting(fail = false): { reads: ByteRange[]; fetch: (name: string, r: ByteRange) => Promise<Buffer> } {
  const reads: ByteRange[] = [];
  return {
    reads,
    fetch: async (_name, r) => {
      reads.push(r);
      if (fail) throw new Error('unreachable');
      return Buffer.from(pack.subarray(r.offset, Math.min(pack.length, r.offset + r.length))); // a server clamps to the end
    },
  };
}

describe('ReadWindows', () => {
  it('returns exactly the bytes asked for: inside a window, across two, at the end, past the end', async () => {
    const src = counting();
    const w = new ReadWindows(src.fetch);
    for (const r of [{ offset: 10, length: 1000 }, { offset: WINDOW_BYTES - 100, length: 300 }, { offset: pack.length - 50, length: 50 }]) {
      expect((await w.read('p', r)).equals(pack.subarray(r.offset, r.offset + r.length))).toBe(true);
    }
    // past the end: short, as the store itself answers, so the caller's length check fires
    expect((await w.read('p', { offset: pack.length - 10, length: 100 })).length).toBe(10);
  });

  it('reads a pack in order with one request per window, not one per blob', async () => {
    const src = counting();
    const w = new ReadWindows(src.fetch);
    for (let off = 0; off + 40_000 <= pack.length; off += 40_000) await w.read('p', { offset: off, length: 40_000 });
    expect(src.reads.length).toBe(3);
  });

  it('passes large reads through and does not remember a failed one', async () => {
    const src = counting();
    const w = new ReadWindows(src.fetch);
    await w.read('p', { offset: 0, length: WINDOW_BYTES + 1 });
    expect(src.reads).toEqual([{ offset: 0, length: WINDOW_BYTES + 1 }]);
    const bad = counting(true);
    const w2 = new ReadWindows(bad.fetch);
    await expect(w2.read('p', { offset: 0, length: 10 })).rejects.toThrow('unreachable');
    await expect(w2.read('p', { offset: 0, length: 10 })).rejects.toThrow('unreachable');
    expect(bad.reads.length).toBe(2);
  });

  it('hands out copies: wiping what it returned does not change the next read', async () => {
    const w = new ReadWindows(counting().fetch);
    (await w.read('p', { offset: 0, length: 100 })).fill(0);
    expect((await w.read('p', { offset: 0, length: 100 })).equals(pack.subarray(0, 100))).toBe(true);
  });
});
