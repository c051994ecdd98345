// The catalog's schema and its forward migrations. PRAGMA user_version holds how many migrations
// ran; a catalog newer than this code is refused (it is a cache: `havre repair catalog` rebuilds it).
import type { Database } from 'better-sqlite3';

/**
 * Migration i brings a catalog from version i to i + 1. Never edit a released migration: append one.
 *
 * Why the shapes:
 * - blobs: 1M+ rows looked up on every chunk, so a 32-byte BLOB key WITHOUT ROWID (no second
 *   b-tree) pointing to packs by small integer, not by 64-hex name. It holds each blob's first
 *   location only. It carries no FOREIGN KEY: deleting a pack would then scan all blobs (no index on
 *   blobs.pack, which would cost 40 B per blob); Catalog.removePacks keeps it consistent instead.
 * - packs.entries: the pack's full header entry list (FORMAT §6 `entry` layout, 48 B each), so a
 *   pack's membership is one read and duplicates are never lost.
 * - blob_dups: the rare other locations of a blob, so removePacks can re-point a blob to a
 *   surviving pack without scanning.
 * - file_states: keyed by path WITHOUT ROWID (a rowid table would store the path twice); content
 *   ids concatenated in one BLOB.
 * - target_objects (2): what each backup target other than a plain primary holds (docs/TARGETS.md):
 *   state 0 = to send, 1 = stored, 2 = being deleted (Object Lock may hold it until retain_until).
 *   seq keeps the order objects were written in, so a copy receives a snapshot only after every
 *   object before it. One row per pack or metadata object, not per blob: tens of thousands at most.
 * - history_* (4): the restore browser's index of every path of every snapshot (browse/history/):
 *   a path id per name ever seen under a folder (history_paths), and its versions as runs of
 *   snapshots (to_seq NULL: still there in the newest indexed snapshot), so a file's versions are one
 *   index seek and a new snapshot costs only what changed. Names are never stored in clear: they are
 *   sealed 256 to a page (history_names) under a key derived from the repository's keys, because the
 *   catalog may hold names of files that are no longer on this disk (DESIGN.md §6, invariant 1).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE packs (
    pk       INTEGER PRIMARY KEY,
    pack_id  TEXT NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    index_id TEXT,
    entries  BLOB NOT NULL
  );
  CREATE TABLE blobs (
    id            BLOB PRIMARY KEY,
    pack          INTEGER NOT NULL,
    type          INTEGER NOT NULL,
    codec         INTEGER NOT NULL,
    offset        INTEGER NOT NULL,
    stored_length INTEGER NOT NULL,
    raw_length    INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE blob_dups (
    id            BLOB NOT NULL,
    pack          INTEGER NOT NULL REFERENCES packs(pk),
    type          INTEGER NOT NULL,
    codec         INTEGER NOT NULL,
    offset        INTEGER NOT NULL,
    stored_length INTEGER NOT NULL,
    raw_length    INTEGER NOT NULL,
    PRIMARY KEY (id, pack)
  ) WITHOUT ROWID;
  CREATE INDEX blob_dups_pack ON blob_dups(pack);
  CREATE TABLE file_states (
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode    INTEGER NOT NULL,
    dev      INTEGER NOT NULL,
    mode     INTEGER NOT NULL,
    content  BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE snapshots (
    id       TEXT PRIMARY KEY,
    time     TEXT NOT NULL,
    time_ms  INTEGER NOT NULL,
    tree     TEXT NOT NULL,
    paths    TEXT NOT NULL,
    hostname TEXT NOT NULL,
    username TEXT NOT NULL,
    tags     TEXT NOT NULL,
    parent   TEXT,
    summary  TEXT NOT NULL
  );
  CREATE INDEX snapshots_time ON snapshots(time_ms, time, id);
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE target_objects (
    target       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    state        INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    retain_until INTEGER,
    PRIMARY KEY (target, kind, name)
  ) WITHOUT ROWID;
  CREATE INDEX target_objects_queue ON target_objects(target, state, seq);
  `,
  `
  CREATE TABLE changes (
    path         TEXT PRIMARY KEY,
    pending      INTEGER NOT NULL,
    first_ms     INTEGER,
    last_ms      INTEGER NOT NULL,
    due_ms       INTEGER NOT NULL,
    protected_ms INTEGER,
    streak       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    unstable     INTEGER NOT NULL,
    error        TEXT,
    size         INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX changes_due ON changes(pending, due_ms);
  CREATE TABLE tree_cache (
    id         BLOB PRIMARY KEY,
    codec      INTEGER NOT NULL,
    raw_length INTEGER NOT NULL,
    sealed     BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE tree_stats (
    id    BLOB PRIMARY KEY,
    files INTEGER NOT NULL,
    dirs  INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE history_snapshots (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    time_ms INTEGER NOT NULL,
    tree    BLOB NOT NULL
  );
  CREATE TABLE history_paths (
    pid    INTEGER PRIMARY KEY,
    parent INTEGER NOT NULL
  );
  CREATE INDEX history_paths_parent ON history_paths(parent);
  CREATE TABLE history_names (
    page   INTEGER PRIMARY KEY,
    sealed BLOB NOT NULL
  );
  CREATE TABLE history_versions (
    pid         INTEGER NOT NULL,
    from_seq    INTEGER NOT NULL,
    to_seq      INTEGER,
    type        INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ms    INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    PRIMARY KEY (pid, from_seq)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Every table, for reset(). Children before parents, for the foreign key. */
export const TABLES = ['blob_dups', 'blobs', 'packs', 'file_states', 'snapshots', 'meta', 'target_objects', 'changes', 'tree_cache', 'tree_stats',
  'history_snapshots', 'history_paths', 'history_names', 'history_versions'] as const;

/** Runs the missing migrations, each in its own transaction with its version bump. */
export function migrate(db: Database): { from: number; to: number } {
  const from = Number(db.pragma('user_version', { simple: true }));
  if (from > SCHEMA_VERSION) {
    throw new Error(`schema version ${from} is newer than this Havre knows (${SCHEMA_VERSION})`);
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v] as string;
    db.transaction(() => {
      db.exec(sql);
      // user_version is part of the database header, so it commits or rolls back with the DDL.
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return { from, to: SCHEMA_VERSION };
}
