// How restore reads a repository (RestorePlan.ts): pack by pack in ranged runs, each blob once per
// window, not one request per blob; and what it does when a run comes back short.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, runRestore } from '../../../src-main/engine/jobs/index.js';
import { Repository } from '../../../src-main/engine/repo/index.js';
import { FsStore, type ByteRange, type ObjectKind } from '../../../src-main/engine/store/index.js';
import { ForwardingStore } from '../../helpers/forwardingStore.js';
import { describeTree } from '../../helpers/trees.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

/** A store that counts ranged reads of packs and can cut every run longer than `cutAbove` short. */
class ReadCountingStore extends ForwardingStore {
  dataReads = 0;
  cutAbove = Infinity;
  override async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    if (kind === 'data') this.dataReads++;
    const b = await this.inner.get(kind, name, range);
    return kind === 'data' && b.length > this.cutAbove ? b.subarray(0, b.length - 1) : b;
  }
}

describe('restore reads packs in runs', () => {
  let f: RepoFixture;
  let store: ReadCountingStore;
  let repo: Repository;
  let src: string;
  let snapshot: string;
  let blobs: number;

  beforeAll(async () => {
    f = newRepo();
    store = new ReadCountingStore(await FsStore.open(f.repo));
    repo = await Repository.open(store, { home: f.home, credentials: { password: f.password } });
    src = join(f.dir, 'src');
    mkdirSync(join(src, 'many'), { recursive: true });
    // 600 small files (one blob each), the same 40 KiB in three files, and a 3 MiB file whose
    // second half repeats its first (the same blobs twice in one file).
    for (let i = 0; i < 600; i++) writeFileSync(join(src, 'many', `f${i}.bin`), randomBytes(1000 + i));
    const shared = randomBytes(40 * 1024);
    for (const n of ['a', 'b', 'c']) writeFileSync(join(src, `same-${n}.bin`), shared);
    const half = randomBytes(1536 * 1024);
    writeFileSync(join(src, 'twice.bin'), Buffer.concat([half, half]));
    writeFileSync(join(src, 'empty.txt'), '');
    const r = await runBackup(repo, { paths: [src] });
    snapshot = r.snapshotId;
    blobs = repo.catalog.listPacks().reduce((n, p) => n + repo.catalog.packEntries(p.packId).length, 0);
  });
  afterAll(() => {
    repo.close();
    f.cleanup();
  });

  it('restores every byte with far fewer pack reads than blobs', async () => {
    store.dataReads = 0;
    const out = join(f.dir, 'out');
    const res = await runRestore(repo, { snapshot, target: out });
    expect(res.failed).toEqual([]);
    expect(res.files).toBe(605);
    const want = await describeTree(src);
    const got = await describeTree(join(out, src));
    expect([...got.entries()]).toEqual([...want.entries()]);
    // Trees are read blob by blob (a handful of folders); file content in runs: a few per pack.
    expect(blobs).toBeGreaterThan(600);
    expect(store.dataReads).toBeLessThan(40);
  });

  it('a run that comes back short is read again blob by blob, and nothing wrong is written', async () => {
    store.cutAbove = 64 * 1024;
    store.dataReads = 0;
    try {
      const out = join(f.dir, 'out-cut');
      const res = await runRestore(repo, { snapshot, target: out });
      // Every run above 64 KiB is cut: the small files' blobs fit alone, the 3 MiB file's do not.
      expect(res.failed.map((x) => [x.path.split('/').pop(), x.code])).toEqual([['twice.bin', 'INTEGRITY']]);
      expect(res.files).toBe(604);
      expect(store.dataReads).toBeGreaterThan(500); // blob by blob (runs of 64 KiB or less stay whole)
      for (const n of ['a', 'b', 'c']) expect(readFileSync(join(out, src, `same-${n}.bin`)).equals(readFileSync(join(src, `same-${n}.bin`)))).toBe(true);
      expect(() => readFileSync(join(out, src, 'twice.bin'))).toThrow(/ENOENT/);
    } finally {
      store.cutAbove = Infinity;
    }
  });
});
