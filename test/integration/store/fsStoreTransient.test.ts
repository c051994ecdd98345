// A repository folder on a mount that hiccups (issue 10: "the fs store does not retry"): transient
// errors (EIO, EAGAIN, a stale NFS handle...) are retried with backoff, a full disk or a refused
// permission are not, and a backup over a folder that fails one attempt in three completes and
// restores byte for byte. The faults are raised by the store's test hook before an attempt of
// the real file-system operation (no fault-injecting file system runs here). Bad inputs tried:
// EIO on every operation kind, ESTALE, EIO forever (a typed STORE_IO after the tries), ENOSPC
// (no retry), EACCES (no retry).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, runRestore } from '../../../src-main/engine/jobs/index.js';
import { withRepository } from '../../../src-main/engine/repo/index.js';
import { FsStore, objectName, type FsStoreOptions } from '../../../src-main/engine/store/index.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { describeTree } from '../../helpers/trees.js';

const FAST = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 };

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** Fails the next `n` attempts of `op` with `code`, then lets them through; counts attempts. */
function flaky(op: string, code: string, n: number): FsStoreOptions & { attempts: () => number } {
  let left = n;
  let attempts = 0;
  return {
    retry: FAST,
    beforeAttempt: (o) => {
      if (o !== op) return;
      attempts++;
      if (left-- > 0) throw errno(code);
    },
    attempts: () => attempts,
  };
}

describe('a folder store on a mount that hiccups', () => {
  let f: RepoFixture;
  beforeAll(() => {
    f = newRepo();
  });
  afterAll(() => f.cleanup());

  it('retries transient errors of every operation and succeeds; gives up with STORE_IO after its tries', async () => {
    const bytes = randomBytes(4096);
    const name = objectName(bytes);
    for (const op of ['put', 'get', 'head', 'list', 'delete'] as const) {
      for (const code of ['EIO', 'EAGAIN', 'ESTALE']) {
        const o = flaky(op, code, 3);
        const s = await FsStore.open(f.repo, o);
        await s.put('data', name, bytes); // fails and is retried when op is 'put'; else makes the object there
        if (op === 'get') expect((await s.get('data', name)).equals(bytes)).toBe(true);
        if (op === 'head') expect(await s.head('data', name)).toEqual({ name, size: 4096 });
        if (op === 'list') expect((await s.list('data')).map((x) => x.name)).toContain(name);
        if (op === 'delete') {
          await s.requestDelete('data', name);
          expect(await (await FsStore.open(f.repo)).head('data', name)).toBeNull();
        }
        expect(o.attempts(), `${op} ${code}`).toBe(4);
      }
    }
    const forever = flaky('get', 'EIO', Infinity);
    const s = await FsStore.open(f.repo, forever);
    await s.put('data', name, bytes);
    await expect(s.get('data', name)).rejects.toMatchObject({ code: 'STORE_IO', params: { reason: 'EIO' } });
    expect(forever.attempts()).toBe(FAST.maxAttempts);
  });

  it('a full disk or a refused permission is said at once, not retried', async () => {
    const bytes = randomBytes(100);
    for (const [code, expected] of [['ENOSPC', 'STORE_FULL'], ['EACCES', 'STORE_PERMISSION']] as const) {
      const o = flaky('put', code, Infinity);
      const s = await FsStore.open(f.repo, o);
      await expect(s.put('data', objectName(bytes), bytes)).rejects.toMatchObject({ code: expected });
      expect(o.attempts()).toBe(1);
    }
  });

  it('a backup over a folder failing one attempt in three completes and restores byte for byte', async () => {
    const src = join(f.dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(join(src, i % 2 ? 'sub' : '', `f${i}.bin`), randomBytes(1000 + i * 20_000));
    let n = 0;
    let failures = 0;
    const opts: FsStoreOptions = { retry: FAST, beforeAttempt: () => {
      if (++n % 3 === 0) {
        failures++;
        throw errno('EIO');
      }
    } };
    const id = await withRepository(await FsStore.open(f.repo, opts), { home: f.home, credentials: { password: f.password } },
      async (repo) => (await runBackup(repo, { paths: [src], home: f.home })).snapshotId, 'backup');
    expect(failures).toBeGreaterThanOrEqual(3);
    const out = join(f.dir, 'out');
    await withRepository(await FsStore.open(f.repo, opts), { home: join(f.dir, 'reader-home'), credentials: { password: f.password } }, async (repo) => {
      expect((await runRestore(repo, { snapshot: id, target: out })).failed).toEqual([]);
    });
    expect([...(await describeTree(join(out, src))).entries()]).toEqual([...(await describeTree(src)).entries()]);
  });
});
