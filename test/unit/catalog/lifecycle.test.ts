import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Catalog, SCHEMA_VERSION, type SnapshotRow } from '../../../src-main/engine/catalog/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { entry, hex, id, tempDir } from './helpers.js';

function snap(n: number, time: string, over: Partial<SnapshotRow> = {}): SnapshotRow {
  return {
    id: hex(`s${n}`), time, tree: hex(`t${n}`), paths: ['/home/ana/Documents', '/home/ana/Été'],
    hostname: 'poste-1', username: 'ana', tags: ['daily'], parent: null,
    summary: { files: 10, dirs: 2, bytes: 2 ** 40, addedBytes: 0, unreadable: 0 }, ...over,
  };
}

function catch_(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('Catalog lifecycle', () => {
  let t: ReturnType<typeof tempDir>;
  let file: string;
  beforeEach(() => {
    t = tempDir();
    file = join(t.dir, 'nested', 'deeper', 'catalog.db');
  });
  afterEach(() => t.cleanup());

  it('creates parent folders, uses WAL and sets user_version to the schema version', () => {
    const cat = Catalog.open(file);
    cat.setMeta('k', 'v');
    cat.close();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps everything across close and reopen', () => {
    const cat = Catalog.open(file);
    cat.addPack(hex('p1'), 9, [entry('a', 8)]);
    cat.markIndexed([hex('p1')], hex('i1'));
    cat.putFileStates([{ path: '/f', size: 1, mtimeNs: 1n, ctimeNs: 2n, inode: 3n, dev: 4n, mode: 0o644, content: [id('a')] }]);
    cat.putSnapshot(snap(1, '2024-05-01T10:00:00Z'));
    cat.setMeta('repoId', 'abc');
    cat.close();
    cat.close(); // idempotent

    const again = Catalog.open(file);
    expect(again.findBlob(id('a'))).toMatchObject({ packId: hex('p1'), offset: 8 });
    expect(again.listIndexIds()).toEqual([hex('i1')]);
    expect(again.getFileState('/f')?.inode).toBe(3n);
    expect(again.listSnapshots()).toEqual([snap(1, '2024-05-01T10:00:00Z')]);
    expect(again.getMeta('repoId')).toBe('abc');
    expect(again.getMeta('nope')).toBeUndefined();
    again.close();
  });

  it('reopens a WAL catalog whose writer never closed (its -wal file is replayed)', () => {
    const cat = Catalog.open(file);
    cat.addPack(hex('p1'), 9, [entry('a', 8)]);
    // Simulate a crash: copy the db and its WAL as they are while the writer is still open.
    const copy = join(t.dir, 'copy.db');
    writeFileSync(copy, readFileSync(file));
    expect(existsSync(`${file}-wal`)).toBe(true);
    writeFileSync(`${copy}-wal`, readFileSync(`${file}-wal`));
    cat.close();
    const reopened = Catalog.open(copy);
    expect(reopened.hasBlob(id('a'))).toBe(true);
    reopened.close();
  });

  it('sorts snapshots by instant, not by text (a zone offset sorts right), upserts and removes them', () => {
    const cat = Catalog.open(file);
    cat.putSnapshot(snap(1, '2024-05-03T00:00:00Z'));
    cat.putSnapshot(snap(2, '2024-05-01T11:00:00+02:00', { parent: hex('s9'), tags: [] }));
    cat.putSnapshot(snap(3, '2024-05-01T10:00:00.400Z'));
    expect(cat.listSnapshots().map((s) => s.id)).toEqual([hex('s2'), hex('s3'), hex('s1')]);
    cat.putSnapshot(snap(1, '2024-04-01T00:00:00Z', { tags: ['moved'] }));
    expect(cat.listSnapshots()[0]).toEqual(snap(1, '2024-04-01T00:00:00Z', { tags: ['moved'] }));
    cat.removeSnapshot(hex('s3'));
    expect(cat.listSnapshots().map((s) => s.id)).toEqual([hex('s1'), hex('s2')]);
    expect(catch_(() => cat.putSnapshot(snap(4, 'yesterday')))).toBeInstanceOf(HavreError);
    cat.close();
  });

  it('reset empties every table and keeps the catalog usable', () => {
    const cat = Catalog.open(file);
    cat.addPack(hex('p1'), 9, [entry('a', 8)]);
    cat.addPack(hex('p2'), 9, [entry('a', 80)]);
    cat.markIndexed([hex('p1')], hex('i1'));
    cat.putFileStates([{ path: '/f', size: 1, mtimeNs: 1n, ctimeNs: 2n, inode: 3n, dev: 4n, mode: 0o644, content: [] }]);
    cat.putSnapshot(snap(1, '2024-05-01T10:00:00Z'));
    cat.setMeta('k', 'v');
    cat.reset();
    expect(cat.blobCount()).toBe(0);
    expect(cat.listPacks()).toEqual([]);
    expect(cat.listIndexIds()).toEqual([]);
    expect(cat.getFileState('/f')).toBeUndefined();
    expect(cat.listSnapshots()).toEqual([]);
    expect(cat.getMeta('k')).toBeUndefined();
    cat.addPack(hex('p1'), 9, [entry('a', 8)]);
    expect(cat.hasBlob(id('a'))).toBe(true);
    cat.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM blob_dups').pluck().get()).toBe(0);
    db.close();
  });

  it('a garbage file gives CATALOG_DAMAGED with the repair advice', () => {
    const cat = Catalog.open(file);
    cat.addPack(hex('p1'), 9, [entry('a', 8)]);
    cat.close();
    writeFileSync(file, Buffer.alloc(8192, 'not a database, just garbage. '));
    const e = catch_(() => Catalog.open(file));
    expect(e).toBeInstanceOf(HavreError);
    const he = e as HavreError;
    expect(he.code).toBe('CATALOG_DAMAGED');
    expect(he.message).toContain('havre repair catalog');
    expect(he.userMessage('fr')).toContain('havre repair catalog');
  });

  it('damage found during use (header intact, pages garbage) gives CATALOG_DAMAGED with the repair advice', () => {
    // Keep the header and the schema: the pages of the empty catalog, before any row (since
    // migration 4 the schema spills over page 1).
    Catalog.open(file).close();
    const keep = statSync(file).size;
    const cat = Catalog.open(file);
    cat.putFileStates(Array.from({ length: 3000 }, (_, i) => (
      { path: `/home/f${i}`, size: i, mtimeNs: 1n, ctimeNs: 1n, inode: 1n, dev: 1n, mode: 0o644, content: [] })));
    cat.close();
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(size - keep, 0xa5), 0, size - keep, keep);
    closeSync(fd);
    const damaged = Catalog.open(file);
    const e = catch_(() => damaged.getFileState('/home/f2000')) as HavreError;
    damaged.close();
    expect(e).toBeInstanceOf(HavreError);
    expect(e.code).toBe('CATALOG_DAMAGED');
    expect(e.message).toMatch(/SQLITE_CORRUPT.*havre repair catalog/);
  });

  it('refuses a catalog from a newer Havre with the repair advice', () => {
    Catalog.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const e = catch_(() => Catalog.open(file)) as HavreError;
    expect(e).toBeInstanceOf(HavreError);
    expect(e.message).toMatch(/newer.*havre repair catalog/);
  });

  it('a folder where the file should be gives CATALOG_DAMAGED', () => {
    const e = catch_(() => Catalog.open(t.dir)) as HavreError;
    expect(e).toBeInstanceOf(HavreError);
    expect(e.code).toBe('CATALOG_DAMAGED');
  });

  it('migrates an empty file (version 0) to the current version', () => {
    const db = new Database(file.replace('nested/deeper/', ''));
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();
    const cat = Catalog.open(file.replace('nested/deeper/', ''));
    expect(cat.blobCount()).toBe(0);
    cat.close();
  });
});
