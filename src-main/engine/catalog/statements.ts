// Every statement the catalog runs, prepared once per connection: preparing is the costly part of
// a small query, and the hot paths (hasBlob, getFileState) run millions of times per backup.
import { ID_BYTES } from './encoding.js';
import type { Database, Statement } from 'better-sqlite3';
import type { BlobType } from './types.js';

export interface LocationRow {
  pack_id: string;
  type: BlobType;
  codec: number;
  offset: number;
  stored_length: number;
  raw_length: number;
}

export interface PackLocationRow extends Omit<LocationRow, 'pack_id'> {
  pack: number;
}

/** Read with safeIntegers: every INTEGER comes back as bigint. */
export interface FileStateRow {
  size: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  inode: bigint;
  dev: bigint;
  mode: bigint;
  content: Buffer;
  single_known: bigint;
}

export interface PackTableRow {
  pk: number;
  pack_id: string;
  size: number;
  index_id: string | null;
}

export interface SnapshotTableRow {
  id: string;
  time: string;
  tree: string;
  paths: string;
  hostname: string;
  username: string;
  tags: string;
  parent: string | null;
  summary: string;
}

type Location = [pack: number, type: number, codec: number, offset: number, stored: number, raw: number];

export function prepareStatements(db: Database) {
  return {
    hasBlob: db.prepare<[Buffer], number>('SELECT 1 FROM blobs WHERE id = ?').pluck(),
    findBlob: db.prepare<[Buffer], LocationRow>(
      `SELECT p.pack_id, b.type, b.codec, b.offset, b.stored_length, b.raw_length
       FROM blobs b JOIN packs p ON p.pk = b.pack WHERE b.id = ?`,
    ),
    blobPack: db.prepare<[Buffer], number>('SELECT pack FROM blobs WHERE id = ?').pluck(),
    insertBlob: db.prepare<[Buffer, ...Location]>(
      'INSERT OR IGNORE INTO blobs (id, pack, type, codec, offset, stored_length, raw_length) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    updateBlob: db.prepare<[...Location, Buffer]>(
      'UPDATE blobs SET pack = ?, type = ?, codec = ?, offset = ?, stored_length = ?, raw_length = ? WHERE id = ?',
    ),
    deleteBlob: db.prepare<[Buffer]>('DELETE FROM blobs WHERE id = ?'),
    blobCount: db.prepare<[], number>('SELECT count(*) FROM blobs').pluck(),
    insertDup: db.prepare<[Buffer, ...Location]>(
      'INSERT OR IGNORE INTO blob_dups (id, pack, type, codec, offset, stored_length, raw_length) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    firstDup: db.prepare<[Buffer], PackLocationRow>(
      'SELECT pack, type, codec, offset, stored_length, raw_length FROM blob_dups WHERE id = ? LIMIT 1',
    ),
    deleteDup: db.prepare<[Buffer, number]>('DELETE FROM blob_dups WHERE id = ? AND pack = ?'),
    deleteDupsOfPack: db.prepare<[number]>('DELETE FROM blob_dups WHERE pack = ?'),

    insertPack: db.prepare<[string, number, Buffer]>('INSERT INTO packs (pack_id, size, entries) VALUES (?, ?, ?)'),
    packPk: db.prepare<[string], number>('SELECT pk FROM packs WHERE pack_id = ?').pluck(),
    packEntries: db.prepare<[string], Buffer>('SELECT entries FROM packs WHERE pack_id = ?').pluck(),
    packSize: db.prepare<[string], number>('SELECT size FROM packs WHERE pack_id = ?').pluck(),
    entriesByPk: db.prepare<[number], Buffer>('SELECT entries FROM packs WHERE pk = ?').pluck(),
    listPacks: db.prepare<[], PackTableRow>('SELECT pk, pack_id, size, index_id FROM packs ORDER BY pk'),
    unindexedPacks: db.prepare<[], string>('SELECT pack_id FROM packs WHERE index_id IS NULL ORDER BY pk').pluck(),
    markIndexed: db.prepare<[string, string]>('UPDATE packs SET index_id = ? WHERE pack_id = ?'),
    listIndexIds: db
      .prepare<[], string>('SELECT DISTINCT index_id FROM packs WHERE index_id IS NOT NULL ORDER BY index_id')
      .pluck(),
    deletePack: db.prepare<[number]>('DELETE FROM packs WHERE pk = ?'),

    getFileState: db
      .prepare<[string], FileStateRow>(
        // single_known: a file of one blob (most files) learns in the same query whether that blob is still indexed.
        `SELECT size, mtime_ns, ctime_ns, inode, dev, mode, content,
           (length(fs.content) = ${ID_BYTES} AND EXISTS (SELECT 1 FROM blobs WHERE blobs.id = fs.content)) AS single_known
         FROM file_states fs WHERE path = ?`,
      )
      .safeIntegers(),
    putFileState: db.prepare<[string, number, bigint, bigint, bigint, bigint, number, Buffer]>(
      `INSERT OR REPLACE INTO file_states (path, size, mtime_ns, ctime_ns, inode, dev, mode, content)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteFileState: db.prepare<[string]>('DELETE FROM file_states WHERE path = ?'),
    fileStatePathsAfter: db.prepare<[string, number], string>('SELECT path FROM file_states WHERE path > ? ORDER BY path LIMIT ?').pluck(),
    // A range rather than LIKE: it uses the primary key, and LIKE would treat % and _ in names as
    // wildcards. '0' is the character after '/', so [p + '/', p + '0') is everything below p.
    deleteFileStatesUnder: db.prepare<[string, string, string]>(
      'DELETE FROM file_states WHERE path = ? OR (path >= ? AND path < ?)',
    ),

    putSnapshot: db.prepare<[string, string, number, string, string, string, string, string, string | null, string]>(
      `INSERT OR REPLACE INTO snapshots (id, time, time_ms, tree, paths, hostname, username, tags, parent, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    listSnapshots: db.prepare<[], SnapshotTableRow>(
      'SELECT id, time, tree, paths, hostname, username, tags, parent, summary FROM snapshots ORDER BY time_ms, time, id',
    ),
    removeSnapshot: db.prepare<[string]>('DELETE FROM snapshots WHERE id = ?'),

    getCachedTree: db.prepare<[Buffer], { codec: number; raw_length: number; sealed: Buffer }>('SELECT codec, raw_length, sealed FROM tree_cache WHERE id = ?'),
    putCachedTree: db.prepare<[Buffer, number, number, Buffer]>('INSERT OR IGNORE INTO tree_cache (id, codec, raw_length, sealed) VALUES (?, ?, ?, ?)'),
    deleteCachedTree: db.prepare<[Buffer]>('DELETE FROM tree_cache WHERE id = ?'),
    cachedTreeIds: db.prepare<[], Buffer>('SELECT id FROM tree_cache').pluck(),
    getTreeStats: db.prepare<[Buffer], { files: number; dirs: number; bytes: number }>('SELECT files, dirs, bytes FROM tree_stats WHERE id = ?'),
    putTreeStats: db.prepare<[Buffer, number, number, number]>('INSERT OR IGNORE INTO tree_stats (id, files, dirs, bytes) VALUES (?, ?, ?, ?)'),

    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  } satisfies Record<string, Statement<never[]> | Statement<unknown[]>>;
}

export type Statements = ReturnType<typeof prepareStatements>;
