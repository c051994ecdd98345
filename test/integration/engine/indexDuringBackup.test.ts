// A long backup writes index objects as it goes (every `indexBlobs` blobs, 50,000 by default as in
// restic), so a million-file backup never holds its whole index in memory. Here with 1 MiB packs
// and a threshold of 5 blobs: several index objects, each pack named by exactly one, and a reader
// with nothing but the store verifies every byte and restores the tree exactly.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../../src-main/engine/jobs/index.js';
import { decodeIndex } from '../../../src-main/engine/repo/index/indexFormat.js';
import type { Repository } from '../../../src-main/engine/repo/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import { openRepo } from '../../helpers/forge.js';
import type { RepoFixture } from '../../helpers/repoFixture.js';
import { expectWhole } from '../../reliability/helpers/check.js';
import { objectsOf, shapedRepo } from '../../reliability/helpers/repo.js';

describe('index objects written during a backup', () => {
  let f: RepoFixture;
  let repo: Repository;

  beforeAll(async () => {
    f = await shapedRepo();
    repo = await openRepo(f);
  });
  afterAll(() => {
    repo.close();
    f.cleanup();
  });

  it('names every pack exactly once across several index objects, and the repository reads back whole', async () => {
    const src = join(f.dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src, i % 2 ? 'sub' : '', `f${i}.bin`), randomBytes(100_000 + i));
    const r = await runBackup(repo, { paths: [src], indexBlobs: 5 });

    const indexes = objectsOf(f.repo, 'index');
    expect(indexes.length).toBeGreaterThan(1); // one at the end only, without the threshold
    const named = indexes.flatMap((o) => decodeIndex(readFileSync(o.path), repo.keys.enc, o.name).map((p) => p.packId));
    expect(named.length).toBe(new Set(named).size);
    expect(new Set(named)).toEqual(new Set(objectsOf(f.repo, 'data').map((o) => o.name)));

    await expectWhole(await FsStore.open(f.repo), f.password, f.dir, r.snapshotId, src);
  });
});
