// The catalog: a SQLite cache of the repository (DESIGN.md §2) holding the blob index, the file
// states that let a backup skip unchanged files, and the snapshots. The repository is the truth:
// this file can be deleted and rebuilt from it (`havre repair catalog`).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { HavreError } from '../errors/index.js';
import {
  checkEntry, checkHexId, checkI64, checkId, checkU64, decodeEntries, encodeEntries, ENTRY_BYTES,
  packIds, u64FromSql, u64ToSql, unpackIds,
} from './encoding.js';
import { openFailure, useFailure } from './failure.js';
import { migrate, TABLES } from './schema.js';
import { prepareStatements, type FileStateRow, type PackLocationRow, type Statements } from './statements.js';
import { ChangeRows } from './changeRows.js';
import { HistoryRows } from './historyRows.js';
import { TargetRows } from './targetRows.js';
import type { BlobLocation, CachedTree, FileState, PackEntry, PackRow, SnapshotRow, TreeStats } from './types.js';

export class Catalog {
  private readonly db: Db;
  private readonly st: Statements;
  readonly file: string;
  /** What each backup target holds (targets/). */
  readonly targets: TargetRows;
  /** Continuous protection's queue of changed paths (protection/). */
  readonly changes: ChangeRows;
  /** The restore browser's index of paths and versions (browse/history/). */
  readonly history: HistoryRows;

  private constructor(file: string, db: Db) {
    this.file = file;
    this.db = db;
    this.st = prepareStatements(db);
    this.targets = new TargetRows(db, file);
    this.changes = new ChangeRows(db, file);
    this.history = new HistoryRows(db, file);
  }

  /** Opens or creates the catalog at `file`, migrating its schema forward. */
  static open(file: string): Catalog {
    let db: Db | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      db = new Database(file);
      // WAL: readers (the UI) never wait for the backup writer. FULL: a commit survives power loss,
      // so the catalog never claims a blob the repository index does not have.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Deleted rows are overwritten, not left in free pages: the path of a deleted file must not
      // stay readable in the file (DESIGN.md §6, invariant 1).
      db.pragma('secure_delete = ON');
      // After a big batch the WAL is checkpointed; this truncates it instead of leaving it huge.
      db.pragma('journal_size_limit = 67108864');
      // 8 MiB of page cache (default 2 MiB): the blob index's upper levels stay hot during a backup,
      // and the rest is in the OS's cache, a read away. 32 MiB cost 40–70 MB of RSS at a million-file
      // backup's peak for no time we could measure (bench/ANALYSIS.md).
      db.pragma('cache_size = -8192');
      migrate(db);
      return new Catalog(file, db);
    } catch (e) {
      db?.close();
      throw openFailure(file, e);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs fn in one transaction (a savepoint when nested). fn must be synchronous. */
  transaction<T>(fn: () => T): T {
    return this.run(() => this.db.transaction(fn)());
  }

  // ---- blob index -------------------------------------------------------------------------

  hasBlob(id: Buffer): boolean {
    try {
      return this.st.hasBlob.get(id) !== undefined;
    } catch (e) {
      throw useFailure(this.file, e);
    }
  }

  findBlob(id: Buffer): BlobLocation | undefined {
    const r = this.run(() => this.st.findBlob.get(id));
    if (r === undefined) return undefined;
    return {
      id: Buffer.from(id), type: r.type, codec: r.codec, offset: r.offset,
      storedLength: r.stored_length, rawLength: r.raw_length, packId: r.pack_id,
    };
  }

  /**
   * Records a stored pack and its entries, unindexed. A blob already known keeps its first
   * location; the other one is remembered for removePacks. Adding a known pack again is a no-op:
   * a pack's name is the hash of its bytes, so its entries cannot differ.
   */
  addPack(packId: string, size: number, entries: PackEntry[]): void {
    checkHexId('pack id', packId);
    if (!Number.isSafeInteger(size) || size < 0) throw new HavreError('INTERNAL', { reason: `catalog: bad pack size ${size}` });
    for (const e of entries) checkEntry(e);
    this.transaction(() => {
      if (this.st.packPk.get(packId) !== undefined) return;
      const pk = Number(this.st.insertPack.run(packId, size, encodeEntries(entries)).lastInsertRowid);
      for (const e of entries) {
        const loc = [pk, e.type, e.codec, e.offset, e.storedLength, e.rawLength] as const;
        if (this.st.insertBlob.run(e.id, ...loc).changes === 0) this.st.insertDup.run(e.id, ...loc);
      }
    });
  }

  /** The pack's entries in header order, duplicates included; [] for an unknown pack. */
  packEntries(packId: string): PackEntry[] {
    const buf = this.run(() => this.st.packEntries.get(packId));
    return buf === undefined ? [] : decodeEntries(buf);
  }

  /** A pack's length in bytes; 0 for a pack the catalog does not know. */
  packSize(packId: string): number {
    return this.run(() => this.st.packSize.get(packId)) ?? 0;
  }

  listPacks(): PackRow[] {
    return this.run(() => this.st.listPacks.all()).map((r) => ({ packId: r.pack_id, size: r.size, indexId: r.index_id }));
  }

  unindexedPacks(): string[] {
    return this.run(() => this.st.unindexedPacks.all());
  }

  /** Notes that index object `indexId` lists these packs. An unknown pack is a caller bug. */
  markIndexed(packIds: string[], indexId: string): void {
    checkHexId('index id', indexId);
    this.transaction(() => {
      for (const p of packIds) {
        if (this.st.markIndexed.run(indexId, p).changes === 0) {
          throw new HavreError('INTERNAL', { reason: `catalog: markIndexed of unknown pack ${p}` });
        }
      }
    });
  }

  listIndexIds(): string[] {
    return this.run(() => this.st.listIndexIds.all());
  }

  /** Forgets packs (after prune). A blob also held by a surviving pack is re-pointed there. */
  removePacks(packIds: string[]): void {
    this.transaction(() => {
      const doomed = new Set<number>();
      for (const p of packIds) {
        const pk = this.st.packPk.get(p);
        if (pk !== undefined) doomed.add(pk);
      }
      // Drop the doomed packs' secondary locations first, so that no blob is re-pointed into
      // another pack of the same batch.
      for (const pk of doomed) this.st.deleteDupsOfPack.run(pk);
      for (const pk of doomed) {
        const entries = this.st.entriesByPk.get(pk) ?? Buffer.alloc(0);
        for (let p = 0; p + ENTRY_BYTES <= entries.length; p += ENTRY_BYTES) {
          const id = entries.subarray(p + 16, p + ENTRY_BYTES);
          if (this.st.blobPack.get(id) !== pk) continue;
          const alt = this.st.firstDup.get(id);
          if (alt === undefined) {
            this.st.deleteBlob.run(id);
          } else {
            this.st.updateBlob.run(alt.pack, alt.type, alt.codec, alt.offset, alt.stored_length, alt.raw_length, id);
            this.st.deleteDup.run(id, alt.pack);
          }
        }
        this.st.deletePack.run(pk);
      }
    });
  }

  /**
   * Makes `packId`'s copy of a blob its primary location, the current one becoming a duplicate:
   * the copy a repair stored, or the next copy when the primary failed to authenticate (FORMAT.md
   * §7: a blob listed twice may be read from either place). False when that pack holds no copy.
   */
  preferLocation(id: Buffer, packId: string): boolean {
    return this.transaction(() => {
      const pk = this.st.packPk.get(packId);
      const current = this.db.prepare('SELECT pack, type, codec, offset, stored_length, raw_length FROM blobs WHERE id = ?').get(id) as PackLocationRow | undefined;
      const alt = pk === undefined ? undefined
        : this.db.prepare('SELECT pack, type, codec, offset, stored_length, raw_length FROM blob_dups WHERE id = ? AND pack = ?').get(id, pk) as PackLocationRow | undefined;
      if (!current || !alt) return false;
      this.st.deleteDup.run(id, alt.pack);
      this.st.updateBlob.run(alt.pack, alt.type, alt.codec, alt.offset, alt.stored_length, alt.raw_length, id);
      this.st.insertDup.run(id, current.pack, current.type, current.codec, current.offset, current.stored_length, current.raw_length);
      return true;
    });
  }

  /** The packs holding other copies of a blob than its primary location. */
  duplicatePacks(id: Buffer): string[] {
    return this.run(() => (this.db.prepare('SELECT p.pack_id FROM blob_dups d JOIN packs p ON p.pk = d.pack WHERE d.id = ? ORDER BY p.pk DESC').pluck().all(id) as string[]));
  }

  /** Distinct blobs known (a blob in two packs counts once). Scans the index: not for hot paths. */
  blobCount(): number {
    return this.run(() => this.st.blobCount.get() ?? 0);
  }

  // ---- change detection -------------------------------------------------------------------

  getFileState(path: string): FileState | undefined {
    return this.lookupFileState(path)?.state;
  }

  /**
   * A file's state, and whether its content is known to be indexed: true when it is one blob (most
   * files) that the blob index holds, found by the same query; false says nothing (ask hasBlob).
   */
  lookupFileState(path: string): { state: FileState; oneBlobIndexed: boolean } | undefined {
    let r: FileStateRow | undefined;
    try {
      r = this.st.getFileState.get(path);
    } catch (e) {
      throw useFailure(this.file, e);
    }
    if (r === undefined) return undefined;
    return {
      state: {
        path, size: Number(r.size), mtimeNs: r.mtime_ns, ctimeNs: r.ctime_ns,
        inode: u64FromSql(r.inode), dev: u64FromSql(r.dev), mode: Number(r.mode), content: unpackIds(r.content),
      },
      oneBlobIndexed: r.single_known === 1n,
    };
  }

  /** Upserts states in one transaction: give it large batches, each commit is an fsync. */
  putFileStates(states: FileState[]): void {
    for (const s of states) {
      checkI64('mtimeNs', s.mtimeNs);
      checkI64('ctimeNs', s.ctimeNs);
      checkU64('inode', s.inode);
      checkU64('dev', s.dev);
      for (const id of s.content) checkId(id);
    }
    this.transaction(() => {
      for (const s of states) {
        this.st.putFileState.run(
          s.path, s.size, s.mtimeNs, s.ctimeNs, u64ToSql(s.inode), u64ToSql(s.dev), s.mode, packIds(s.content),
        );
      }
    });
  }

  /** Forgets one file's state (the file is gone). */
  deleteFileState(path: string): void {
    this.run(() => this.st.deleteFileState.run(path));
  }

  /** Paths with a file state, in order, after `after` ('' for the first): the sweep of stale states walks them. */
  fileStatePathsAfter(after: string, limit: number): string[] {
    return this.run(() => this.st.fileStatePathsAfter.all(after, limit));
  }

  /**
   * Deletes the state of `pathPrefix` and of every path below it ('/'-separated). '' or '/' is
   * the root, so everything absolute goes.
   */
  deleteFileStatesUnder(pathPrefix: string): void {
    const p = pathPrefix.replace(/\/+$/, '');
    this.run(() => this.st.deleteFileStatesUnder.run(p === '' ? '/' : p, `${p}/`, `${p}0`));
  }

  // ---- tree cache -------------------------------------------------------------------------

  /** A tree blob as sealed in its pack, if cached here (Repository.loadTree authenticates it). */
  cachedTree(id: Buffer): CachedTree | undefined {
    const r = this.run(() => this.st.getCachedTree.get(id));
    return r && { codec: r.codec, rawLength: r.raw_length, sealed: r.sealed };
  }

  /** Caches sealed tree blobs, in one transaction; a tree already cached is left as it is. */
  cacheTrees(rows: Iterable<[Buffer, CachedTree]>): void {
    this.transaction(() => {
      for (const [id, t] of rows) {
        checkId(id);
        this.st.putCachedTree.run(id, t.codec, t.rawLength, t.sealed);
      }
    });
  }

  /** Forgets cached trees (a damaged row, or trees a prune deleted). */
  uncacheTrees(ids: Iterable<Buffer>): void {
    this.transaction(() => {
      for (const id of ids) this.st.deleteCachedTree.run(id);
    });
  }

  cachedTreeIds(): Buffer[] {
    return this.run(() => this.st.cachedTreeIds.all());
  }

  // ---- tree statistics ------------------------------------------------------------------

  /** Files, folders and bytes below a tree a backup built here, if known. */
  treeStats(id: Buffer): TreeStats | undefined {
    const r = this.run(() => this.st.getTreeStats.get(id));
    return r && { files: r.files, dirs: r.dirs, bytes: r.bytes };
  }

  /** Records what trees hold (one transaction); a tree already known keeps its row (same content). */
  putTreeStats(rows: Iterable<[Buffer, TreeStats]>): void {
    this.transaction(() => {
      for (const [id, t] of rows) {
        checkId(id);
        this.st.putTreeStats.run(id, t.files, t.dirs, t.bytes);
      }
    });
  }

  // ---- snapshots --------------------------------------------------------------------------

  putSnapshot(row: SnapshotRow): void {
    checkHexId('snapshot id', row.id);
    const ms = Date.parse(row.time);
    if (Number.isNaN(ms)) throw new HavreError('INTERNAL', { reason: `catalog: snapshot ${row.id} has an invalid time "${row.time}"` });
    this.run(() => this.st.putSnapshot.run(
      row.id, row.time, ms, row.tree, JSON.stringify(row.paths), row.hostname, row.username,
      JSON.stringify(row.tags), row.parent, JSON.stringify(row.summary),
    ));
  }

  /** Oldest first. */
  listSnapshots(): SnapshotRow[] {
    return this.run(() => this.st.listSnapshots.all()).map((r) => ({
      id: r.id, time: r.time, tree: r.tree, paths: JSON.parse(r.paths) as string[], hostname: r.hostname,
      username: r.username, tags: JSON.parse(r.tags) as string[], parent: r.parent,
      summary: JSON.parse(r.summary) as Record<string, number>,
    }));
  }

  removeSnapshot(id: string): void {
    this.run(() => this.st.removeSnapshot.run(id));
  }

  // ---- engine bookkeeping -----------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return this.run(() => this.st.getMeta.get(key));
  }

  setMeta(key: string, value: string): void {
    this.run(() => this.st.setMeta.run(key, value));
  }

  /** Empties every table, keeping the schema (for `havre repair catalog`). */
  reset(): void {
    this.transaction(() => {
      for (const t of TABLES) this.db.exec(`DELETE FROM ${t}`);
    });
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw useFailure(this.file, e);
    }
  }
}
