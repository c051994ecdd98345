// Continuous protection's backups (runBackup with `continuous` and `changedPaths`) on a real
// repository and real files: a backup of a few changed paths lists only their folders, yet yields
// exactly the tree a full walk would, restores byte for byte, and keeps previous versions of what it
// cannot read whole.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, runRestore, runVerify } from '../../../src-main/engine/jobs/index.js';
import { findNode, Repository } from '../../../src-main/engine/repo/index.js';
import { FsStore, type ByteRange, type ObjectKind } from '../../../src-main/engine/store/index.js';
import { ForwardingStore } from '../../helpers/forwardingStore.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { describeTree } from '../../helpers/trees.js';

/** A store whose pack reads can be switched off: the repository's data is "away". */
class AwayDataStore extends ForwardingStore {
  away = false;
  override get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    if (this.away && kind === 'data') return Promise.reject(new Error(`test: data/${name.slice(0, 8)} read while away`));
    return this.inner.get(kind, name, range);
  }
}

describe('continuous backups of changed paths', () => {
  let f: RepoFixture;
  let store: AwayDataStore;
  let repo: Repository;
  let src: string;
  let first: string;

  const tree = (): ReturnType<typeof describeTree> => describeTree(src);
  const file = (...p: string[]): string => join(src, ...p);

  beforeAll(async () => {
    f = newRepo();
    store = new AwayDataStore(await FsStore.open(f.repo));
    repo = await Repository.open(store, { home: f.home, credentials: { password: f.password } });
    src = join(f.dir, 'Documents');
    // 40 folders of 8 files, and a deep chain.
    for (let d = 0; d < 40; d++) {
      mkdirSync(file(`dir-${d}`, 'sub'), { recursive: true });
      for (let i = 0; i < 8; i++) writeFileSync(file(`dir-${d}`, i % 2 ? 'sub' : '.', `f${i}.txt`), `folder ${d} file ${i} ${randomBytes(8).toString('hex')}\n`);
    }
    mkdirSync(file('deep', 'a', 'b', 'c', 'd'), { recursive: true });
    writeFileSync(file('deep', 'a', 'b', 'c', 'd', 'report.odt'), randomBytes(20_000));
    const r = await runBackup(repo, { paths: [src], continuous: true, tags: ['continuous'] });
    first = r.snapshotId;
    expect(r.wroteSnapshot).toBe(true);
    expect(r.carriedDirs).toBe(0); // no previous snapshot: everything is listed
  });
  afterAll(() => {
    repo.close();
    f.cleanup();
  });

  it('lists only the folders of the changes, yet writes the tree a full walk writes, and it restores', async () => {
    writeFileSync(file('deep', 'a', 'b', 'c', 'd', 'report.odt'), randomBytes(21_000)); // modified
    writeFileSync(file('dir-3', 'new.txt'), 'created\n'); // created
    rmSync(file('dir-5', 'f2.txt')); // deleted
    rmSync(file('dir-7', 'f4.txt'));
    mkdirSync(file('dir-7', 'f4.txt')); // a file replaced by a folder of the same name
    writeFileSync(file('dir-7', 'f4.txt', 'inside.txt'), 'now a folder\n');
    renameSync(file('dir-9'), file('dir-9-renamed')); // a folder renamed
    const changed = [file('deep', 'a', 'b', 'c', 'd', 'report.odt'), file('dir-3', 'new.txt'), file('dir-5', 'f2.txt'), file('dir-7', 'f4.txt'),
      file('dir-9'), file('dir-9-renamed')];
    const inc = await runBackup(repo, { paths: [src], continuous: true, changedPaths: changed });
    expect(inc.wroteSnapshot).toBe(true);
    expect(inc.carriedDirs).toBeGreaterThan(30); // the 36 untouched folders were not listed
    expect(inc.snapshot.parent).toBe(first);

    const full = await runBackup(repo, { paths: [src] }); // a plain backup walks everything
    // The source's subtree is the same, to the byte (the folders above it may differ: continuous
    // mode keeps their previous metadata, and /tmp's changes all the time).
    const sourceNode = async (root: string): Promise<unknown> => findNode((t) => repo.loadTree(t), root, src, 'test');
    expect(await sourceNode(inc.snapshot.tree)).toEqual(await sourceNode(full.snapshot.tree));
    expect(inc.snapshot.summary).toMatchObject({ files: full.snapshot.summary.files, dirs: full.snapshot.summary.dirs, bytes: full.snapshot.summary.bytes });

    const out = join(f.dir, 'out-inc');
    const res = await runRestore(repo, { snapshot: inc.snapshotId, target: out });
    expect(res.failed).toEqual([]);
    expect([...(await describeTree(join(out, src))).entries()]).toEqual([...(await tree()).entries()]);
  });

  it('writes no snapshot when nothing changed', async () => {
    const before = repo.listSnapshots().length;
    const r = await runBackup(repo, { paths: [src], continuous: true, changedPaths: [file('dir-1', 'f0.txt')] });
    expect(r.wroteSnapshot).toBe(false);
    expect(repo.listSnapshots().length).toBe(before);
    expect(r.snapshotId).toBe(repo.listSnapshots().at(-1)!.id);
  });

  it('keeps the previous version of a file still being written (held back), and reads it once quiet', async () => {
    const p = file('dir-11', 'f0.txt');
    const old = readFileSync(p);
    writeFileSync(p, 'half-written… ');
    const held = await runBackup(repo, { paths: [src], continuous: true, changedPaths: [p], holdBack: new Set([p]) });
    const out = join(f.dir, 'out-held');
    await runRestore(repo, { snapshot: held.snapshotId, target: out, path: p });
    expect(readFileSync(join(out, 'f0.txt')).equals(old)).toBe(true);
    writeFileSync(p, 'half-written… and finished.\n');
    const done = await runBackup(repo, { paths: [src], continuous: true, changedPaths: [p] });
    const out2 = join(f.dir, 'out-done');
    await runRestore(repo, { snapshot: done.snapshotId, target: out2, path: p });
    expect(readFileSync(join(out2, 'f0.txt'), 'utf8')).toBe('half-written… and finished.\n');
  });

  it('works while the store cannot be read: the previous snapshot\'s folders come from the catalog\'s sealed tree cache', async () => {
    writeFileSync(file('dir-20', 'offline.txt'), 'written while the repository was away\n');
    store.away = true;
    try {
      const r = await runBackup(repo, { paths: [src], continuous: true, changedPaths: [file('dir-20', 'offline.txt')] });
      expect(r.wroteSnapshot).toBe(true);
    } finally {
      store.away = false;
    }
    // The cache holds sealed trees only: no file name in clear in the catalog's cache table.
    const db = readFileSync(repo.catalog.file);
    expect(db.includes(Buffer.from('offline.txt'))).toBe(false);
  });

  it('a source folder that went away keeps its last snapshot (a USB drive unplugged), and says so', async () => {
    const usb = join(f.dir, 'USB');
    mkdirSync(usb);
    writeFileSync(join(usb, 'photo.jpg'), randomBytes(5000));
    const both = await runBackup(repo, { paths: [src, usb], continuous: true });
    const moved = join(f.dir, 'USB-unplugged');
    renameSync(usb, moved);
    try {
      const r = await runBackup(repo, { paths: [src, usb], continuous: true, changedPaths: [file('dir-1', 'f1.txt')] });
      expect(r.problems).toEqual([expect.objectContaining({ path: usb, kind: 'unavailable', keptPrevious: true })]);
      expect(r.snapshot.summary.files).toBe(both.snapshot.summary.files);
      const out = join(f.dir, 'out-usb');
      await runRestore(repo, { snapshot: r.snapshotId, target: out, path: usb });
      expect(readFileSync(join(out, 'USB', 'photo.jpg')).equals(readFileSync(join(moved, 'photo.jpg')))).toBe(true);
    } finally {
      renameSync(moved, usb);
    }
    // Without continuous mode, a missing source is an error, as before.
    rmSync(usb, { recursive: true });
    await expect(runBackup(repo, { paths: [src, usb] })).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('forgets the file state of a deleted file: its name does not stay in the catalog file', async () => {
    const name = `secret-name-${randomBytes(6).toString('hex')}.txt`;
    const p = file('dir-12', name);
    writeFileSync(p, 'soon deleted\n');
    await runBackup(repo, { paths: [src], continuous: true, changedPaths: [p] });
    expect(repo.catalog.getFileState(p)).toBeDefined();
    rmSync(p);
    await runBackup(repo, { paths: [src], continuous: true, changedPaths: [p] });
    expect(repo.catalog.getFileState(p)).toBeUndefined();
    // A manual backup drops states too, through its sweep (here: the whole catalog in one slice).
    const q = file('dir-13', name);
    writeFileSync(q, 'soon deleted too\n');
    await runBackup(repo, { paths: [src] });
    rmSync(q);
    await runBackup(repo, { paths: [src] });
    expect(repo.catalog.getFileState(q)).toBeUndefined();
    // Checkpointed into the main file, the name is nowhere in it (secure_delete overwrote the rows).
    repo.close();
    repo = await Repository.open(store, { home: f.home, credentials: { password: f.password } });
    const db = readFileSync(repo.catalog.file);
    expect(db.includes(Buffer.from(name))).toBe(false);
  });

  it('a cancelled backup stops with JOB_CANCELLED, leaves a repository that verifies, and the next one completes', async () => {
    for (let i = 0; i < 30; i++) writeFileSync(file('dir-30', `big-${i}.bin`), randomBytes(300_000));
    const abort = new AbortController();
    abort.abort('paused: user');
    await expect(runBackup(repo, { paths: [src], continuous: true, signal: abort.signal })).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect((await runVerify(repo, { readData: true })).ok).toBe(true);
    const r = await runBackup(repo, { paths: [src], continuous: true });
    expect(r.wroteSnapshot).toBe(true);
    expect((await runVerify(repo, { readData: true })).ok).toBe(true);
  });
});
