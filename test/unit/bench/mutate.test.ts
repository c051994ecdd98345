// The incremental series' seeded change (bench/corpus/mutate.ts): the plan is deterministic and has
// the promised mix; applying it changes exactly the planned files (bytes re-hashed from disk), and
// undoing it gives back the original bytes and mtimes, also after a run killed half-way.
// Bad inputs tried: a fraction of 0, a negative one and one above one half; a tree smaller than the
// number of kinds; an undo with nothing to undo; an undo after a half-applied change.
import { mkdtemp, mkdir, rm, stat, writeFile, readFile, utimes, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMutation, MUTATION_KINDS, planMutation, undoMutation, WHOLE_REWRITE_MAX } from '../../../bench/corpus/mutate.js';
import { hashTree, diffTrees } from '../../../bench/lib/fsutil.js';

const files = Array.from({ length: 1000 }, (_, i) => ({ path: `d${i % 7}/sub ${i % 3}/file-${i}.${i % 2 ? 'txt' : 'bin'}`, size: i % 50 === 0 ? 3 * 1024 * 1024 : 100 + i * 37 }));

describe('planMutation', () => {
  it('is a pure function of (files, seed, fraction)', () => {
    const a = planMutation(files, 's1');
    expect(planMutation([...files].reverse(), 's1')).toEqual(a);
    expect(planMutation(files, 's2')).not.toEqual(a);
  });

  it('changes 1 % of the files with the promised mix, each existing file at most once', () => {
    const plan = planMutation(files, 'seed');
    expect(plan.steps).toHaveLength(10);
    const kinds = plan.steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'rewrite')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'append')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'create')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'delete')).toHaveLength(1);
    const touched = plan.steps.filter((s) => s.kind !== 'create').map((s) => s.path);
    expect(new Set(touched).size).toBe(touched.length);
    const existing = new Set(files.map((f) => f.path));
    for (const s of plan.steps) expect(existing.has(s.path)).toBe(s.kind !== 'create');
    const size = new Map(files.map((f) => [f.path, f.size]));
    for (const s of plan.steps.filter((x) => x.kind === 'rewrite')) {
      const n = size.get(s.path) ?? 0;
      expect(s.offset + s.length).toBeLessThanOrEqual(n);
      if (n <= WHOLE_REWRITE_MAX) expect([s.offset, s.length]).toEqual([0, n]);
    }
  });

  it('has at least one change of each kind on a tiny tree, and refuses a fraction out of range', () => {
    const plan = planMutation(files.slice(0, 6), 'x');
    expect(new Set(plan.steps.map((s) => s.kind))).toEqual(new Set(MUTATION_KINDS));
    for (const f of [0, -0.01, 0.6, Number.NaN]) expect(() => planMutation(files, 'x', f)).toThrow(/fraction/);
  });
});

describe('applyMutation / undoMutation', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const makeTree = async (): Promise<{ root: string; undo: string; tree: { path: string; size: number }[] }> => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'havre-bench-mutate-'));
    const root = path.join(dir, 'corpus');
    const tree = Array.from({ length: 60 }, (_, i) => ({ path: `a${i % 4}/f${i}.${i % 2 ? 'txt' : 'bin'}`, size: i === 5 ? 2 * 1024 * 1024 + 5 : 10 + i * 101 }));
    for (const [i, f] of tree.entries()) {
      await mkdir(path.join(root, path.dirname(f.path)), { recursive: true });
      await writeFile(path.join(root, f.path), Buffer.alloc(f.size, i));
      await utimes(path.join(root, f.path), 1_600_000_000 + i, 1_600_000_000 + i);
    }
    for (let d = 0; d < 4; d++) await utimes(path.join(root, `a${d}`), 1_500_000_000, 1_500_000_000);
    return { root, undo: path.join(dir, 'undo'), tree };
  };

  const mtimes = async (root: string, paths: string[]): Promise<number[]> => Promise.all(paths.map(async (p) => (await stat(path.join(root, p))).mtimeMs));

  it('changes exactly the planned files, and the undo restores bytes and mtimes', async () => {
    const { root, undo, tree } = await makeTree();
    const before = await hashTree(root);
    const plan = planMutation(tree, 'seed', 0.1);
    const { listing, summary } = await applyMutation(root, plan, before, undo);
    // the listing it returns is what is on disk
    expect(diffTrees(listing, await hashTree(root)).ok).toBe(true);
    const changed = diffTrees(before, listing);
    const kinds = (k: string): string[] => plan.steps.filter((s) => s.kind === k).map((s) => s.path).sort();
    expect(changed.missing.sort()).toEqual(kinds('delete'));
    expect(changed.extra.sort()).toEqual(kinds('create'));
    expect([...changed.sizeMismatch, ...changed.hashMismatch].sort()).toEqual([...kinds('rewrite'), ...kinds('append')].sort());
    expect(summary.counts).toEqual({ rewrite: kinds('rewrite').length, append: kinds('append').length, create: kinds('create').length, delete: 1 });
    expect(summary.filesAfter).toBe(summary.filesBefore + summary.counts.create - summary.counts.delete);
    // a rewrite keeps the size; the changed files got a later mtime, so stat-based tools see them
    for (const s of plan.steps.filter((x) => x.kind === 'rewrite')) expect((await stat(path.join(root, s.path))).size).toBe(tree.find((f) => f.path === s.path)?.size);
    for (const t of await mtimes(root, [...kinds('rewrite'), ...kinds('append')])) expect(t).toBeGreaterThan(1_700_000_000_000);

    const allPaths = tree.map((f) => f.path);
    expect(await undoMutation(root, undo)).toBe(true);
    expect(diffTrees(before, await hashTree(root)).ok).toBe(true);
    expect(await mtimes(root, allPaths)).toEqual(allPaths.map((_, i) => (1_600_000_000 + i) * 1000));
    expect(await mtimes(root, ['a0', 'a1', 'a2', 'a3'])).toEqual([1, 2, 3, 4].map(() => 1_500_000_000_000));
    expect(existsSync(undo)).toBe(false);
    // nothing left to undo
    expect(await undoMutation(root, undo)).toBe(false);
  });

  it('the same plan on the same tree gives the same bytes (every tool backs up the same change)', async () => {
    const { root, undo, tree } = await makeTree();
    const before = await hashTree(root);
    const plan = planMutation(tree, 'seed', 0.1);
    const first = (await applyMutation(root, plan, before, undo)).listing;
    await undoMutation(root, undo);
    const second = (await applyMutation(root, plan, before, undo)).listing;
    expect(second).toEqual(first);
  });

  it('undoes a change interrupted half-way (originals kept before each file was touched)', async () => {
    const { root, undo, tree } = await makeTree();
    const before = await hashTree(root);
    const plan = planMutation(tree, 'seed', 0.1);
    await applyMutation(root, plan, before, undo);
    // as if the run had died before saving the last originals: their copies are missing, and
    // those files were never touched (put them back as they were)
    const last = plan.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === 'append').slice(-1)[0];
    if (!last) throw new Error('the plan has no append');
    await rename(path.join(undo, String(last.i)), path.join(dir, 'original'));
    await writeFile(path.join(root, last.s.path), await readFile(path.join(dir, 'original')));
    expect(await undoMutation(root, undo)).toBe(true);
    expect(diffTrees(before, await hashTree(root)).ok).toBe(true);
  });
});
