// The desktop engine's restore browser against real backups (the CLI writes them): folder pages,
// a file's versions across snapshots, search by name across every version, previews, restoring a
// previous version, where a restore may write, and that the history index keeps no name in clear.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, JobResult } from '../../../src-main/ipc/contract.js';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { readConfig, Repository } from '../../../src-main/engine/repo/index.js';
import { createEngineService, type EngineService } from '../../../src-main/engine/service/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f4b1d90000000049454e44ae426082', 'hex');
const GONE = 'unique-deleted-name-7f3a.txt';
const LONG = `${'long-name-'.repeat(24)}.txt`; // 244 characters
const RTL = 'تقرير الميزانية.txt';
const EMOJI = '📁 vacances 🏖️.txt';

describe('restore browser of the desktop engine (real backups)', () => {
  let f: RepoFixture;
  let src: string;
  let engine: EngineService;
  const events: EngineEvent[] = [];

  async function backup(): Promise<void> {
    const r = await f.havre(['backup', src]);
    expect(r.code, r.stderr).toBe(0);
  }

  function resultOf(jobId: string): Promise<JobResult> {
    return new Promise((resolve) => {
      const seen = events.find((e) => e.type === 'job:result' && e.payload.jobId === jobId);
      if (seen?.type === 'job:result') return resolve(seen.payload);
      const off = engine.subscribe((e) => {
        if (e.type === 'job:result' && e.payload.jobId === jobId) {
          off();
          resolve(e.payload);
        }
      });
    });
  }

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'Documents');
    mkdirSync(join(src, 'big'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'version one\n');
    writeFileSync(join(src, GONE), 'soon gone');
    writeFileSync(join(src, 'Élève rapport.txt'), 'rapport');
    writeFileSync(join(src, LONG), 'long');
    writeFileSync(join(src, RTL), 'rtl');
    writeFileSync(join(src, EMOJI), 'emoji');
    writeFileSync(join(src, 'pixel.png'), PNG);
    writeFileSync(join(src, 'data.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    for (let i = 0; i < 2500; i++) writeFileSync(join(src, 'big', `file ${i}.txt`), '');
    utimesSync(join(src, 'a.txt'), new Date('2026-01-01T10:00:00Z'), new Date('2026-01-01T10:00:00Z'));
    await backup();
    writeFileSync(join(src, 'a.txt'), 'version two, longer\n');
    utimesSync(join(src, 'a.txt'), new Date('2026-01-02T10:00:00Z'), new Date('2026-01-02T10:00:00Z'));
    rmSync(join(src, GONE));
    await backup();
    writeFileSync(join(src, 'later.txt'), 'later');
    await backup();
    const { config } = await readConfig(await FsStore.open(f.repo));
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId: config.repoId } });
    await updateSettings(f.home, { folders: [src] }, f.dir);
    engine = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), protect: false, userHome: f.dir });
    engine.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await engine?.close();
    f?.cleanup();
  });

  it('lists snapshots newest first, and folders page by page, folders first, numbers by value', async () => {
    const snaps = await engine.browseSnapshots({});
    expect(snaps).toHaveLength(3);
    expect(snaps[0]!.time >= snaps[2]!.time).toBe(true);
    const root = await engine.browseList({ snapshotId: snaps[0]!.id, path: src, offset: 0, limit: 100 });
    expect(root.entries[0]).toMatchObject({ name: 'big', type: 'dir' });
    expect(root.entries.map((e) => e.name)).toEqual(expect.arrayContaining([LONG, RTL, EMOJI, 'Élève rapport.txt', 'later.txt']));
    const big = join(src, 'big');
    const p1 = await engine.browseList({ snapshotId: snaps[0]!.id, path: big, offset: 0, limit: 1000 });
    const p3 = await engine.browseList({ snapshotId: snaps[0]!.id, path: big, offset: 2000, limit: 1000 });
    expect(p1.total).toBe(2500);
    expect(p1.entries).toHaveLength(1000);
    expect(p3.entries).toHaveLength(500);
    expect(p1.entries.slice(0, 3).map((e) => e.name)).toEqual(['file 0.txt', 'file 1.txt', 'file 2.txt']);
    expect(p3.entries.at(-1)!.name).toBe('file 2499.txt');
    await expect(engine.browseList({ snapshotId: snaps[0]!.id, path: join(src, 'a.txt'), offset: 0, limit: 10 })).rejects.toMatchObject({ code: 'PATH_NOT_IN_SNAPSHOT' });
    await expect(engine.browseList({ snapshotId: snaps[0]!.id, path: `${src}/../..`, offset: 0, limit: 10 })).rejects.toMatchObject({ code: 'PATH_NOT_IN_SNAPSHOT' });
  });

  it('gives a file\'s versions, newest first, each with the snapshots that hold it', async () => {
    const snaps = await engine.browseSnapshots({});
    const { versions } = await engine.fileVersions({ path: join(src, 'a.txt') });
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({ snapshotId: snaps[1]!.id, lastSnapshotId: snaps[0]!.id, snapshots: 2, size: 20, mtime: '2026-01-02T10:00:00.000Z' });
    expect(versions[1]).toMatchObject({ snapshotId: snaps[2]!.id, lastSnapshotId: snaps[2]!.id, snapshots: 1, size: 12, mtime: '2026-01-01T10:00:00.000Z' });
    expect((await engine.fileVersions({ path: join(src, GONE) })).versions).toHaveLength(1);
    expect((await engine.fileVersions({ path: join(src, 'never-was.txt') })).versions).toEqual([]);
    expect((await engine.fileVersions({ path: join(src, 'later.txt') })).versions[0]!.snapshotId).toBe(snaps[0]!.id);
  });

  it('finds names across every version, case and accents aside, deleted files included', async () => {
    const eleve = await engine.search({ query: 'ELEVE', limit: 10 });
    expect(eleve.hits.map((h) => h.name)).toEqual(['Élève rapport.txt']);
    expect(eleve.hits[0]).toMatchObject({ path: join(src, 'Élève rapport.txt'), inLatest: true, versions: 1 });
    const gone = await engine.search({ query: 'deleted-name', limit: 10 });
    expect(gone.hits).toHaveLength(1);
    expect(gone.hits[0]).toMatchObject({ name: GONE, inLatest: false });
    expect((await engine.search({ query: 'الميزانية', limit: 10 })).hits[0]?.name).toBe(RTL);
    expect((await engine.search({ query: '🏖', limit: 10 })).hits[0]?.name).toBe(EMOJI);
    const many = await engine.search({ query: 'file', limit: 5 });
    expect(many.hits).toHaveLength(5);
    expect(many.truncated).toBe(true);
    expect((await engine.search({ query: 'no such name anywhere', limit: 5 })).hits).toEqual([]);
  });

  it('previews text and images in memory, and says why it cannot preview the rest', async () => {
    const [latest] = await engine.browseSnapshots({});
    expect(await engine.preview({ snapshotId: latest!.id, path: join(src, 'a.txt') })).toEqual({ kind: 'text', text: 'version two, longer\n', truncated: false, size: 20 });
    expect(await engine.preview({ snapshotId: latest!.id, path: join(src, 'pixel.png') })).toEqual({ kind: 'image', mime: 'image/png', dataBase64: PNG.toString('base64'), size: PNG.length });
    expect(await engine.preview({ snapshotId: latest!.id, path: join(src, 'data.bin') })).toMatchObject({ kind: 'none', reason: 'type' });
    expect(await engine.preview({ snapshotId: latest!.id, path: join(src, 'big') })).toMatchObject({ kind: 'none', reason: 'folder' });
  });

  it('restores a previous version to its original place, beside the newer one or over it', async () => {
    const { versions } = await engine.fileVersions({ path: join(src, 'a.txt') });
    const old = versions[1]!;
    const { jobId } = await engine.startRestore({ snapshotId: old.snapshotId, paths: [join(src, 'a.txt')], target: src, conflict: 'keep-both' });
    const r = await resultOf(jobId);
    expect(r).toMatchObject({ ok: true, kind: 'restore', summary: { files: 1 } });
    const beside = readdirSync(src).find((n) => n.startsWith('a (restored'));
    expect(beside).toBeDefined();
    expect(readFileSync(join(src, beside!), 'utf8')).toBe('version one\n');
    expect(readFileSync(join(src, 'a.txt'), 'utf8')).toBe('version two, longer\n');
    rmSync(join(src, beside!));
    const again = await engine.startRestore({ snapshotId: old.snapshotId, paths: [join(src, 'a.txt')], target: src, conflict: 'overwrite' });
    expect(await resultOf(again.jobId)).toMatchObject({ ok: true });
    expect(readFileSync(join(src, 'a.txt'), 'utf8')).toBe('version one\n');
    const activity = await engine.listActivity({ offset: 0, limit: 50, kinds: ['restore'] });
    expect(activity.events).toHaveLength(2);
    expect(activity.events[0]).toMatchObject({ kind: 'restore', action: 'restore.done', outcome: 'ok', files: 1, persisted: false });
  });

  it('refuses to restore outside the user\'s own places, before anything is written', async () => {
    const [latest] = await engine.browseSnapshots({});
    const path = [join(src, 'a.txt')];
    for (const target of ['/etc', '/', join(f.home, 'catalogs'), f.repo, `${src}/../../..`, '/tmp/../etc', join('/proc', 'self')]) {
      await expect(engine.startRestore({ snapshotId: latest!.id, paths: path, target, conflict: 'overwrite' }), target).rejects.toMatchObject({ code: 'RESTORE_TARGET_FORBIDDEN' });
    }
    // A link inside the home that leads outside is followed before the check.
    execFileSync('ln', ['-s', '/etc', join(f.dir, 'etc-link')]);
    await expect(engine.startRestore({ snapshotId: latest!.id, paths: path, target: join(f.dir, 'etc-link'), conflict: 'overwrite' })).rejects.toMatchObject({ code: 'RESTORE_TARGET_FORBIDDEN' });
    expect(existsSync('/etc/a.txt')).toBe(false);
    // "Its original place" covers the user's own protected folders, not any path a request names.
    await expect(engine.startRestore({ snapshotId: latest!.id, paths: ['/etc/shadow'], target: '/etc', conflict: 'overwrite' })).rejects.toMatchObject({ code: 'RESTORE_TARGET_FORBIDDEN' });
    // The protected folder itself goes back into its parent (outside the home here): allowed, and
    // identical files are left alone.
    const whole = await engine.startRestore({ snapshotId: latest!.id, paths: [src], target: f.dir, conflict: 'skip' });
    expect(await resultOf(whole.jobId)).toMatchObject({ ok: true, summary: { files: 0 } });
  });

  it('keeps no name of the index in clear on disk, and rebuilds an index it cannot open', async () => {
    const file = Repository.catalogFile(f.home, (await readConfig(await FsStore.open(f.repo))).config.repoId);
    const db = new Database(file);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      const tables = ['history_snapshots', 'history_paths', 'history_names', 'history_versions'];
      for (const t of tables) {
        const dump = JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
        for (const name of [GONE, 'Élève', 'rapport', 'vacances', 'long-name-']) expect(dump.includes(name), `${name} in ${t}`).toBe(false);
      }
      expect((db.prepare('SELECT COUNT(*) AS n FROM history_names').get() as { n: number }).n).toBeGreaterThan(0);
      // A damaged page (bit flipped): the next query rebuilds the index from the snapshots.
      const page = db.prepare('SELECT page, sealed FROM history_names LIMIT 1').get() as { page: number; sealed: Buffer };
      page.sealed[20] = page.sealed[20]! ^ 1;
      db.prepare('UPDATE history_names SET sealed = ? WHERE page = ?').run(page.sealed, page.page);
    } finally {
      db.close();
    }
    // The browse session caches names; a fresh engine reads the damaged page.
    const fresh = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), protect: false, userHome: f.dir });
    try {
      expect((await fresh.search({ query: 'deleted-name', limit: 5 })).hits[0]?.name).toBe(GONE);
      expect((await fresh.fileVersions({ path: join(src, 'a.txt') })).versions).toHaveLength(2);
    } finally {
      await fresh.close();
    }
  });

  it('opens this computer\'s own repository with its password when the keychain cannot (a password session)', async () => {
    const locked = await createEngineService({ home: f.home, credentials: async () => ({ keychain: null, keychainUnavailableReason: 'no keychain here' }),
      protect: false, userHome: f.dir });
    try {
      await expect(locked.browseSnapshots({})).rejects.toMatchObject({ code: 'PASSWORD_REQUIRED' });
      await expect(locked.openSession({ role: 'user', password: 'not the password' })).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
      await expect(locked.openSession({ role: 'admin', password: f.password })).rejects.toMatchObject({ code: 'SESSION_NEEDS_APPLIANCE' });
      const opened = await locked.openSession({ role: 'user', password: f.password });
      if (opened.kind !== 'opened') throw new Error('not opened');
      const source = { kind: 'session' as const, sessionId: opened.session.sessionId };
      const snaps = await locked.browseSnapshots({ source });
      expect(snaps.length).toBeGreaterThan(0);
      // A file of its own backup, back into the user's folders.
      const target = join(f.dir, 'with-password');
      const { jobId } = await locked.startRestore({ source, snapshotId: snaps[0]!.id, paths: [join(src, 'a.txt')], target, conflict: 'skip' });
      const done = await new Promise<JobResult>((resolve) => locked.subscribe((e) => {
        if (e.type === 'job:result' && e.payload.jobId === jobId) resolve(e.payload);
      }));
      expect(done.ok).toBe(true);
      expect(readFileSync(join(target, 'a.txt'), 'utf8')).toBe('version two, longer\n');
      expect(await locked.closeSession({ sessionId: opened.session.sessionId })).toEqual({ closed: true });
    } finally {
      await locked.close();
    }
  });

  it('forgets versions whose snapshots were forgotten, and takes new snapshots in as they come', async () => {
    const before = await engine.browseSnapshots({});
    const r = await f.havre(['forget', '--keep-last', '2']);
    expect(r.code, r.stderr).toBe(0);
    const { versions } = await engine.fileVersions({ path: join(src, 'a.txt') });
    expect(versions).toHaveLength(1); // the first version's only snapshot is gone
    expect(versions[0]).toMatchObject({ snapshotId: before[1]!.id, snapshots: 2 });
    expect((await engine.search({ query: 'deleted-name', limit: 5 })).hits).toEqual([]);
    writeFileSync(join(src, 'a.txt'), 'version three\n');
    await backup();
    expect((await engine.fileVersions({ path: join(src, 'a.txt') })).versions).toHaveLength(2);
    expect((await engine.browseSnapshots({}))).toHaveLength(3);
  });

  it('brings the history index up to date after a backup it ran, before anyone asks (the first query finds it built)', async () => {
    writeFileSync(join(src, 'after-engine-backup.txt'), 'new');
    const { jobId } = await engine.startBackup();
    const r = await resultOf(jobId);
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    const id = r.summary.snapshotId!;
    // Read from the catalog file itself: nothing asks the engine, so only the refresh can add the snapshot.
    const file = Repository.catalogFile(f.home, (await readConfig(await FsStore.open(f.repo))).config.repoId);
    const indexed = (): string[] => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT id FROM history_snapshots').all() as { id: string }[]).map((row) => row.id);
      } finally {
        db.close();
      }
    };
    const deadline = Date.now() + 30_000;
    while (!indexed().includes(id) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(indexed()).toContain(id);
    expect((await engine.fileVersions({ path: join(src, 'after-engine-backup.txt') })).versions).toHaveLength(1);
  });
});
