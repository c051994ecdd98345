// The machine around Havre failing (issue 10): disks that fill up (the repository's, the
// workstation's catalog and restore target, the appliance's), permissions denied (a read-only
// repository, a target or a home Havre may not write), files deleted or changed while they are
// read, and a repository copied halfway. Each ends in a typed error that says what to do, or in a
// partial result that lists what was not done; nothing already stored is lost, and once the
// condition is gone the next run completes.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import type * as Fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHavreError } from '../../src-main/engine/errors/index.js';
import { runBackup, runForget, runRestore, runVerify } from '../../src-main/engine/jobs/index.js';
import type { Repository} from '../../src-main/engine/repo/index.js';
import { withRepository } from '../../src-main/engine/repo/index.js';
import { FsStore } from '../../src-main/engine/store/index.js';
import { runHavre } from '../helpers/cli.js';
import type { RepoFixture } from '../helpers/repoFixture.js';
import { describeTree } from '../helpers/trees.js';
import { newDataDir, startAppliance, type TestAppliance } from '../appliance/helpers/appliance.js';
import { enroll } from '../appliance/helpers/machines.js';
import { expectWhole, freshReader, machineStore, seedRepository } from './helpers/check.js';
import { shapedRepo } from './helpers/repo.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';
import { withTmpfs } from './helpers/tmpfs.js';

type ErrorDoc = { error: { code: string; message: string } };

/**
 * Wraps node:fs's lstatSync (the Archiver's per-file stat, bigint; nothing else asks for bigint
 * stats synchronously) to call `hook` before and after each call; returns the undo.
 * (syncBuiltinESMExports: the ESM bindings of node:fs follow the change.)
 */
function hookLstat(hook: (path: string, when: 'before' | 'after') => void): () => void {
  const fs = createRequire(import.meta.url)('node:fs') as typeof Fs;
  const original = fs.lstatSync;
  const wrapped = ((path: Parameters<typeof original>[0], opts?: Parameters<typeof original>[1]) => {
    if (!(opts as { bigint?: boolean } | undefined)?.bigint) return original(path, opts as never);
    hook(String(path), 'before');
    const st = original(path, opts as never);
    hook(String(path), 'after');
    return st;
  }) as typeof original;
  (fs as { lstatSync: typeof original }).lstatSync = wrapped;
  syncBuiltinESMExports();
  return () => {
    (fs as { lstatSync: typeof original }).lstatSync = original;
    syncBuiltinESMExports();
  };
}

describe('the machine around Havre failing', () => {
  const rng = scenarioRng('environment');
  const tally = new ScenarioTally('environment', 'failure conditions', rng.seed);
  let f: RepoFixture;

  beforeAll(async () => {
    f = await shapedRepo();
    chmodSync(f.dir, 0o755);
  });
  afterAll(() => {
    tally.write();
    f?.cleanup();
  });

  const backupIn = async (repoDir: string, home: string, src: string): Promise<string> =>
    withRepository(await FsStore.open(repoDir), { home, credentials: { password: f.password } }, async (repo) => (await runBackup(repo, { paths: [src], home })).snapshotId, 'backup');

  function tree(dir: string, files: number, bytes: number): string {
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.bin`), randomBytes(bytes));
    return dir;
  }

  function leftovers(dir: string): string[] {
    return readdirSync(dir, { recursive: true }).map(String).filter((p) => /(^|\/)\.(tmp-|havre-restore-)/.test(p));
  }

  it('the repository’s disk fills up: backup and prune stop with STORE_FULL, nothing stored is lost, and with room again the next backup completes', async () => {
    const mnt = join(f.dir, 'repo-disk');
    const r = await withTmpfs(mnt, 3 * 1024, async () => {
      cpSync(f.repo, join(mnt, 'repo'), { recursive: true });
      const repoDir = join(mnt, 'repo');
      const home = join(f.dir, 'home-full-repo');
      const small = tree(join(f.dir, 'small'), 3, 100_000);
      const first = await backupIn(repoDir, home, small);
      const big = tree(join(f.dir, 'big'), 4, 1024 * 1024);
      await expect(backupIn(repoDir, home, big)).rejects.toMatchObject({ code: 'STORE_FULL' });
      tally.count('disk full: repository (backup)');
      // A prune that must write a new index on the full disk stops the same way, or has nothing to write.
      await withRepository(await FsStore.open(repoDir), { home, credentials: { password: f.password } }, (repo) => runForget(repo, { keepLast: 1 }, { prune: true }), 'prune')
        .catch((e: unknown) => expect(e).toMatchObject({ code: 'STORE_FULL' }));
      tally.count('disk full: repository (prune)');
      expect(leftovers(repoDir)).toEqual([]);
      await expectWhole(await FsStore.open(repoDir), f.password, f.dir, first, small);
      // Room again (the disk grows): the next backup completes.
      execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
      await expectWhole(await FsStore.open(repoDir), f.password, f.dir, await backupIn(repoDir, home, big), big);
    });
    if (r === 'skipped') return;
  });

  it('the workstation’s disk fills up under HAVRE_HOME (the catalog): a clear error, and the backup succeeds once there is room', async () => {
    const mnt = join(f.dir, 'home-disk');
    const src = join(f.dir, 'many');
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let i = 0; i < 100; i++) writeFileSync(join(src, `d${d}`, `fichier-avec-un-nom-assez-long-${i}.txt`), `${d}/${i}`);
    }
    const r = await withTmpfs(mnt, 256, async () => {
      const env = { ...f.env, HAVRE_HOME: join(mnt, 'home') };
      const res = await runHavre(['backup', src, '--json', '--repo', f.repo], env);
      tally.count('disk full: workstation (catalog)');
      expect(res.code, res.stdout + res.stderr).toBe(1);
      const err = res.json<ErrorDoc>().error;
      expect(err.code, err.message).toBe('LOCAL_DISK_FULL');
      expect(res.stderr).not.toContain('Unexpected error');
      execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
      const again = await runHavre(['backup', src, '--json', '--repo', f.repo], env);
      expect(again.code, again.stderr).toBe(0);
    });
    if (r === 'skipped') return;
  });

  it('the restore target’s disk fills up: the files that fit are right, the others are reported, nothing half-written stays', async () => {
    const src = tree(join(f.dir, 'to-restore'), 6, 600_000);
    const snap = await backupIn(f.repo, f.home, src);
    const mnt = join(f.dir, 'target-disk');
    const r = await withTmpfs(mnt, 2 * 1024, async () => {
      const res = await runHavre(['restore', snap, '--target', mnt, '--json', '--repo', f.repo], f.env);
      tally.count('disk full: restore target');
      expect(res.code, res.stdout + res.stderr).toBe(3);
      const doc = res.json<{ failed: { path: string; code: string }[]; files: number }>();
      expect(doc.failed.length).toBeGreaterThan(0);
      for (const x of doc.failed) expect(x.code).toBe('TARGET_FULL');
      expect(res.stderr).not.toContain('Unexpected error');
      expect(leftovers(mnt)).toEqual([]);
      const restored = existsSync(join(mnt, src)) ? readdirSync(join(mnt, src)) : [];
      expect(restored.length).toBe(doc.files);
      for (const n of restored) expect(readFileSync(join(mnt, src, n)).equals(readFileSync(join(src, n)))).toBe(true);
    });
    if (r === 'skipped') return;
  });

  it('the appliance’s disk fills up: the machine’s backup stops with STORE_FULL, and completes once the appliance has room', async () => {
    let t: TestAppliance | null = null;
    const r = await withTmpfs(join(f.dir, 'appliance-disk'), 2 * 1024, async () => {
      const dir = await newDataDir();
      const objects = join(dir, 'objects');
      execFileSync('mount', ['--bind', join(f.dir, 'appliance-disk'), objects]);
      try {
        t = await startAppliance({ dir });
        const m = await enroll(t, { host: 'PC-FULL', user: 'full', password: 'p' });
        const { client, store } = machineStore(t, m);
        try {
          await seedRepository(store, f);
          const home = mkdtempSync(join(f.dir, 'appl-home-'));
          const src = tree(join(f.dir, 'appl-src'), 4, 1024 * 1024);
          const backup = (): Promise<string> => withRepository(store, { home, credentials: { password: f.password } }, async (repo) => (await runBackup(repo, { paths: [src], home })).snapshotId, 'backup');
          await expect(backup()).rejects.toMatchObject({ code: 'STORE_FULL' });
          tally.count('disk full: appliance');
          expect(t.app.alerts.list({ all: true }).some((a) => a.type === 'STORAGE_FULL')).toBe(true); // raised (a smaller upload that fits closes it)
          execFileSync('mount', ['-o', 'remount,size=64m', join(f.dir, 'appliance-disk')]);
          await expectWhole(store, f.password, f.dir, await backup(), src);
        } finally {
          client.close();
        }
      } finally {
        await (t as TestAppliance | null)?.stop({ keepDir: true });
        execFileSync('umount', ['-l', objects]);
        rmSync(join(dir, '..'), { recursive: true, force: true });
      }
    });
    if (r === 'skipped') return;
  });

  it('permission denied: a read-only repository, a target and a home Havre may not write', async () => {
    // Root may write anywhere: these run the CLI as `nobody`.
    const dir = mkdtempSync(join(f.dir, 'perm-'));
    chmodSync(dir, 0o755);
    const src = tree(join(dir, 'src'), 2, 10_000);
    const repoDir = join(dir, 'repo');
    cpSync(f.repo, repoDir, { recursive: true });
    const homeOk = join(dir, 'home');
    mkdirSync(homeOk);
    chownSync(homeOk, 65534, 65534);
    const env = { ...f.env, HAVRE_HOME: homeOk };
    // The repository belongs to root, readable by all, writable by none but root.
    execFileSync('chmod', ['-R', 'a+rX,go-w', repoDir]);
    const backup = await runHavre(['backup', join(dir, 'src'), '--json', '--repo', repoDir], env, { user: 'nobody' });
    tally.count('permission denied: repository');
    expect(backup.code, backup.stderr).toBe(1);
    expect(backup.json<ErrorDoc>().error.code).toBe('STORE_PERMISSION');
    const list = await runHavre(['snapshots', '--json', '--repo', repoDir], env, { user: 'nobody' });
    expect(list.code, list.stderr).toBe(0);

    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o755 });
    const restore = await runHavre(['restore', 'latest', '--target', join(closed, 'out'), '--json', '--repo', repoDir], env, { user: 'nobody' });
    tally.count('permission denied: restore target');
    expect(restore.code, restore.stderr).toBe(1);
    expect(restore.json<ErrorDoc>().error.code).toBe('TARGET_NOT_WRITABLE');

    const homeClosed = join(dir, 'home-closed');
    mkdirSync(homeClosed, { mode: 0o755 });
    const noHome = await runHavre(['snapshots', '--json', '--repo', repoDir], { ...env, HAVRE_HOME: homeClosed }, { user: 'nobody' });
    tally.count('permission denied: home');
    expect(noHome.code, noHome.stderr).toBe(1);
    const err = noHome.json<ErrorDoc>().error;
    expect(err.code, err.message).toBe('LOCAL_PERMISSION');
    expect(err.message).toContain(homeClosed);
    void src;
  });

  it('files deleted, cut short, rewritten or replaced while they are read: reported or read again, and never kept stale', async () => {
    const src = join(f.dir, 'moving');
    mkdirSync(src);
    const names = ['deleted-before-read', 'deleted-after-read', 'cut-after-read', 'rewritten-same-size', 'replaced-after-read', 'still'];
    for (const n of names) writeFileSync(join(src, n), randomBytes(150_000));
    // Whole seconds, so that putting the time back is exact to the nanosecond (utimes takes seconds).
    utimesSync(join(src, 'rewritten-same-size'), 1_700_000_000, 1_700_000_000);
    // The Archiver lstat()s each file when it lists its folder, then again once a worker has read
    // it (to see whether it moved meanwhile): the hook acts between the two, or just before the read.
    const actions: Record<string, [number, () => void]> = {
      'deleted-before-read': [1, () => rmSync(join(src, 'deleted-before-read'))],
      'deleted-after-read': [2, () => rmSync(join(src, 'deleted-after-read'))],
      'cut-after-read': [2, () => writeFileSync(join(src, 'cut-after-read'), readFileSync(join(src, 'cut-after-read')).subarray(0, 1000))],
      // Same size, and the modification time put back (as `cp -p`, rsync -t or some editors do): only ctime tells.
      'rewritten-same-size': [2, () => {
        const p = join(src, 'rewritten-same-size');
        writeFileSync(p, randomBytes(150_000));
        utimesSync(p, 1_700_000_000, 1_700_000_000);
      }],
      'replaced-after-read': [2, () => {
        writeFileSync(join(src, 'replaced.tmp'), randomBytes(150_000));
        renameSync(join(src, 'replaced.tmp'), join(src, 'replaced-after-read'));
      }],
    };
    const seen = new Map<string, number>();
    const restoreLstat = hookLstat((path, when) => {
      const name = path.slice(src.length + 1);
      const action = actions[name];
      if (!action) return;
      const n = when === 'before' ? (seen.get(name) ?? 0) + 1 : seen.get(name) ?? 0;
      if (when === 'before') seen.set(name, n);
      // Call 1 acts after the real lstat (the folder listing saw the file); call 2 acts before it.
      if (n === action[0] && (when === 'after') === (n === 1)) action[1]();
    });
    let first;
    try {
      first = await withRepository(await FsStore.open(f.repo), { home: f.home, credentials: { password: f.password } }, (repo) => runBackup(repo, { paths: [src], home: f.home }), 'backup');
    } finally {
      restoreLstat();
    }
    tally.count('files moving while read', Object.keys(actions).length);
    expect(first.problems.map((p) => [p.path.slice(src.length + 1), p.kind]).sort()).toEqual([['deleted-after-read', 'vanished'], ['deleted-before-read', 'vanished']]);
    // The next backup, and what it restores: exactly the folder as it is now (nothing kept stale).
    const next = await backupIn(f.repo, f.home, src);
    for (const snap of [first.snapshotId, next]) {
      const reader = await freshReader(await FsStore.open(f.repo), f.password, f.dir);
      try {
        const out = mkdtempSync(join(f.dir, 'out-'));
        expect((await runRestore(reader, { snapshot: snap, target: out })).failed).toEqual([]);
        const got = await describeTree(join(out, src));
        const want = await describeTree(src);
        for (const n of ['cut-after-read', 'rewritten-same-size', 'replaced-after-read', 'still']) expect(got.get(n)?.sha256, `${n} in ${snap === next ? 'the next' : 'the first'} snapshot`).toBe(want.get(n)?.sha256);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      } finally {
        reader.close();
      }
    }
  });

  it('a repository copied halfway: opened, verified and restored honestly, and the next backup into it is whole', { timeout: sized(3, 30) * 60_000 }, async () => {
    const src = tree(join(f.dir, 'copy-src'), 5, 300_000);
    const snaps = [await backupIn(f.repo, f.home, src)];
    writeFileSync(join(src, 'f0.bin'), randomBytes(300_000));
    snaps.push(await backupIn(f.repo, f.home, src));
    // Every file of the repository, in the order a copy would take them, with sizes.
    const files = readdirSync(f.repo, { recursive: true }).map(String).filter((p) => statSync(join(f.repo, p)).isFile());
    const total = files.reduce((n, p) => n + statSync(join(f.repo, p)).size, 0);
    const cuts = sized(8, 80);
    for (let c = 0; c < cuts; c++) {
      const r = rng.fork(`cut-${c}`);
      // In a random order, or the small objects first (config and keys: what a copy tool that
      // sorts by size, or a user who copied them first, would do), then the rest at random.
      const shuffled = files.map((p) => ({ p, k: r.float() })).sort((a, b) => a.k - b.k).map((x) => x.p);
      const order = r.chance(0.5) ? shuffled : [...shuffled.filter((p) => /^(config|keys)\//.test(p)), ...shuffled.filter((p) => !/^(config|keys)\//.test(p))];
      const budget = r.int(total);
      const copy = mkdtempSync(join(f.dir, 'half-'));
      let copied = 0;
      for (const p of order) {
        const bytes = readFileSync(join(f.repo, p));
        mkdirSync(join(copy, p, '..'), { recursive: true });
        const n = Math.min(bytes.length, budget - copied);
        if (n <= 0) break;
        writeFileSync(join(copy, p), bytes.subarray(0, n));
        copied += n;
      }
      for (const kind of ['config', 'keys', 'data', 'index', 'snapshots']) mkdirSync(join(copy, kind), { recursive: true });
      tally.count('repository copied halfway');
      let reader: Repository;
      try {
        reader = await freshReader(await FsStore.open(copy), f.password, f.dir);
      } catch (e) {
        expect(isHavreError(e), String(e)).toBe(true);
        tally.note(`copied halfway: open refused (${(e as { code: string }).code})`);
        rmSync(copy, { recursive: true, force: true });
        continue;
      }
      try {
        await runVerify(reader, { readData: true });
        for (const s of reader.listSnapshots()) {
          const out = mkdtempSync(join(f.dir, 'out-'));
          const res = await runRestore(reader, { snapshot: s.id, target: out }).catch((e: unknown) => {
            expect(isHavreError(e), String(e)).toBe(true);
            return null;
          });
          const got = existsSync(join(out, src)) ? await describeTree(join(out, src)) : new Map();
          const want = s.id === snaps[1] ? await describeTree(src) : null;
          if (want) for (const [p, facts] of got) if (facts.type === 'file') expect(facts.sha256, `cut ${c}: ${p}`).toBe(want.get(p)?.sha256);
          if (res) expect(leftovers(out)).toEqual([]);
        }
      } finally {
        reader.close();
      }
      // The user goes on backing up into the copy, with this machine's catalog or a new one.
      const home = mkdtempSync(join(f.dir, 'home-'));
      if (r.chance(0.5)) cpSync(f.home, home, { recursive: true });
      const snap = await backupIn(copy, home, src).catch((e: unknown) => {
        expect(isHavreError(e), String(e)).toBe(true);
        return null;
      });
      // (verify may still name what the copy lacks for older snapshots: only the new one must be whole)
      if (snap) {
        const check = await freshReader(await FsStore.open(copy), f.password, f.dir);
        try {
          const out = mkdtempSync(join(f.dir, 'out-'));
          expect((await runRestore(check, { snapshot: snap, target: out })).failed, `cut ${c}: the next backup leans on what the copy lacks`).toEqual([]);
          expect(await describeTree(join(out, src)), `cut ${c}`).toEqual(await describeTree(src));
        } finally {
          check.close();
        }
      }
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
