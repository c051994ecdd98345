// The seeded corpora of the benchmark's new series: the many-files tree (bench/corpus/manyFiles.ts)
// and the multi-GiB files (bench/corpus/bigFiles.ts), at small sizes. Deterministic from the seed,
// with the promised shape, and what is on disk is what the manifest says.
// Bad inputs tried: --files below 100, not an integer; a corpus folder missing a sampled file (not reused).
import { mkdtemp, rm, readdir, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forEachPlannedFile, generateManyFiles, loadManyFiles, MAX_FILE, MIN_FILE, planManyFiles, type PlannedFile } from '../../../bench/corpus/manyFiles.js';
import { bigFilesListing, generateBigFiles, loadBigFiles, planMixedBlocks } from '../../../bench/corpus/bigFiles.js';
import { diffTrees, hashTree } from '../../../bench/lib/fsutil.js';

const list = (seed: string, n: number): PlannedFile[] => {
  const out: PlannedFile[] = [];
  forEachPlannedFile(planManyFiles(seed, n), (f) => out.push(f));
  return out;
};

describe('many-files tree', () => {
  it('is a pure function of (seed, N), with unique paths, bounded sizes, varied depths and one wide folder', () => {
    const a = list('1', 5000);
    expect(list('1', 5000)).toEqual(a);
    expect(list('2', 5000)).not.toEqual(a);
    expect(a).toHaveLength(5000);
    expect(new Set(a.map((f) => f.path)).size).toBe(5000);
    for (const f of a) expect(f.size >= MIN_FILE && f.size <= MAX_FILE).toBe(true);
    const depths = a.map((f) => f.path.split('/').length - 1);
    expect(Math.min(...depths)).toBeLessThanOrEqual(2);
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(6);
    const perDir = new Map<string, number>();
    for (const f of a) perDir.set(path.dirname(f.path), (perDir.get(path.dirname(f.path)) ?? 0) + 1);
    expect(perDir.get('Mail/Archive 2019-2024/cur')).toBe(150); // the wide folder: 3 %
    const counts = [...perDir.values()].sort((x, y) => y - x);
    expect(counts[Math.floor(counts.length / 2)]).toBeLessThan(20);
    expect(counts.length).toBeGreaterThan(150);
    const text = a.filter((f) => f.text).length / a.length;
    expect(text).toBeGreaterThan(0.6);
    expect(text).toBeLessThan(0.8);
  });

  it('refuses a tree too small or not whole', () => {
    for (const n of [0, 99, 1000.5, Number.NaN]) expect(() => planManyFiles('1', n)).toThrow(/--files/);
  });

  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the planned files, reports their total, and is reused only when complete', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'havre-bench-many-'));
    const m = generateManyFiles(dir, '7', 800);
    const planned = list('7', 800);
    expect(m.files).toBe(800);
    expect(m.totalBytes).toBe(planned.reduce((s, f) => s + f.size, 0));
    for (const f of planned.slice(0, 50)) expect((await stat(path.join(dir, 'corpus', f.path))).size).toBe(f.size);
    const all = await hashTree(path.join(dir, 'corpus'));
    expect(all.files).toHaveLength(800);
    expect(m.samples.dirs[0]).toBe(m.wideDir);
    expect(loadManyFiles(dir, '7', 800)).toEqual(m);
    expect(loadManyFiles(dir, '7', 801)).toBeNull();
    expect(loadManyFiles(dir, '8', 800)).toBeNull();
    await unlink(path.join(dir, 'corpus', m.samples.files[3] as string));
    expect(loadManyFiles(dir, '7', 800)).toBeNull();
  });
});

describe('multi-GiB files (at 3 MiB + 5 bytes)', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the mixed file plan only copies earlier blocks and has every kind of block', () => {
    const plan = planMixedBlocks('1', 400);
    expect(planMixedBlocks('1', 400)).toEqual(plan);
    plan.forEach((b, i) => {
      if (b.kind === 'copy') expect(b.from).toBeLessThan(i);
    });
    expect(new Set(plan.map((b) => b.kind))).toEqual(new Set(['text', 'copy', 'zeros', 'random']));
  });

  it('writes two files whose hashes are in the manifest, identical for the same seed', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'havre-bench-big-'));
    const size = 3 * 1024 * 1024 + 5;
    const m = await generateBigFiles(path.join(dir, 'a'), '1', size);
    expect(m.files.map((f) => f.size)).toEqual([size, size]);
    const onDisk = await hashTree(path.join(dir, 'a', 'corpus'));
    expect(diffTrees(bigFilesListing(m), onDisk).ok).toBe(true);
    const again = await generateBigFiles(path.join(dir, 'b'), '1', size);
    expect(again.files).toEqual(m.files);
    expect(await loadBigFiles(path.join(dir, 'a'), '1', size)).toEqual(m);
    expect(await loadBigFiles(path.join(dir, 'a'), '1', size + 1)).toBeNull();
    expect((await readdir(path.join(dir, 'a', 'corpus'))).sort()).toEqual(['VMs', 'Videos']);
  });
});
