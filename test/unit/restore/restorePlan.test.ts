import { describe, expect, it } from 'vitest';
import type { BlobLocation } from '../../../src-main/engine/catalog/index.js';
import { planRestore, type PlanLimits } from '../../../src-main/engine/jobs/restore/RestorePlan.js';

const LIMITS: PlanLimits = { maxGap: 100, maxRun: 1000 };

/** Blob `id` at `offset` in pack `pack`, `len` bytes sealed and `raw` plain. */
function at(pack: string, offset: number, len: number, raw = len - 10): BlobLocation {
  return { id: Buffer.alloc(32), packId: pack, type: 0, codec: 0, offset, storedLength: len, rawLength: raw };
}

function plan(files: string[][], locs: Record<string, BlobLocation>, limits = LIMITS): ReturnType<typeof planRestore> {
  return planRestore(files.map((content) => ({ content })), (id) => locs[id], limits);
}

const summary = (p: ReturnType<typeof planRestore>): string[] =>
  p.runs.map((r) => `${r.packId}@${r.offset}+${r.length}:${r.blobs.map((b) => b.id).join(',')}`);

describe('RestorePlan: a window of files read pack by pack', () => {
  it('reads neighbouring blobs of one pack in one run, and starts a new run past the gap', () => {
    const locs = { a: at('P', 8, 50), b: at('P', 58, 40), c: at('P', 150, 30), d: at('P', 300, 20) };
    // a and b touch; c is 52 bytes after b (within the gap); d is 120 bytes after c (beyond it).
    const p = plan([['a', 'b', 'c', 'd']], locs);
    expect(summary(p)).toEqual(['P@8+172:a,b,c', 'P@300+20:d']);
    expect(p.pending).toEqual([4]);
    expect(p.sizes).toEqual([40 + 30 + 20 + 10]);
  });

  it('never lets a run grow beyond maxRun', () => {
    const locs = { a: at('P', 0, 400), b: at('P', 400, 400), c: at('P', 800, 400) };
    expect(summary(plan([['a', 'b', 'c']], locs))).toEqual(['P@0+800:a,b', 'P@800+400:c']);
  });

  it('reads a blob once per window, however many files and places need it, and sends it to each', () => {
    const locs = { z: at('P', 8, 20), x: at('Q', 8, 30) };
    const p = plan([['z', 'x', 'z'], ['z']], locs);
    expect(summary(p)).toEqual(['P@8+20:z', 'Q@8+30:x']);
    const z = p.runs[0]!.blobs[0]!;
    expect(z.to).toEqual([{ file: 0, offset: 0 }, { file: 0, offset: 30 }, { file: 1, offset: 0 }]);
    expect(p.runs[1]!.blobs[0]!.to).toEqual([{ file: 0, offset: 10 }]);
    expect(p.pending).toEqual([3, 1]);
  });

  it('orders runs by the first file that needs their pack, and blobs by offset within a pack', () => {
    const locs = { q2: at('Q', 100, 20), q1: at('Q', 8, 20), p1: at('P', 8, 20) };
    const p = plan([['q2'], ['p1'], ['q1']], locs, { maxGap: 1000, maxRun: 1000 });
    expect(summary(p)).toEqual(['Q@8+112:q1,q2', 'P@8+20:p1']);
  });

  it('puts a file that names an unknown blob aside, without reading anything for it', () => {
    const p = plan([['a', 'gone'], ['b']], { a: at('P', 8, 20), b: at('Q', 8, 20) });
    expect(p.missing).toEqual(new Map([[0, 'gone']]));
    expect(summary(p)).toEqual(['Q@8+20:b']);
    expect(p.pending).toEqual([0, 1]);
  });

  it('an empty file waits for nothing; overlapping entries (a forged index) never share a run', () => {
    const p = plan([[], ['a', 'b']], { a: at('P', 8, 50), b: at('P', 30, 50) });
    expect(p.pending).toEqual([0, 2]);
    expect(p.sizes).toEqual([0, 80]);
    expect(summary(p)).toEqual(['P@8+50:a', 'P@30+50:b']);
  });
});
