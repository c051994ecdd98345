// The restore browser's index of paths and their versions (schema migration 4; browse/history/).
// This class only stores and finds rows; what they mean, and the sealing of names, is
// browse/history/'s. Path ids are small integers; pid 0 is the snapshots' root folder.
import type { Database as Db, Statement } from 'better-sqlite3';
import { useFailure } from './failure.js';

export const HISTORY_TYPES = ['file', 'dir', 'symlink'] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];

/** A snapshot the index has taken in, by order of indexing (= of time). */
export interface HistorySnapshotRow {
  readonly seq: number;
  readonly id: string;
  readonly timeMs: number;
  /** Its root tree id (32 bytes). */
  readonly tree: Buffer;
}

/** One version of a path: the snapshots from `fromSeq` to `toSeq` (null: to the newest indexed) held it unchanged. */
export interface HistoryVersionRow {
  readonly pid: number;
  readonly fromSeq: number;
  readonly toSeq: number | null;
  readonly type: HistoryType;
  readonly size: number;
  readonly mtimeMs: number;
  /** Files: a digest of content and mtime; folders: the subtree id last indexed. */
  readonly fingerprint: Buffer;
}

interface VersionSql {
  pid: number;
  from_seq: number;
  to_seq: number | null;
  type: number;
  size: number;
  mtime_ms: number;
  fingerprint: Buffer;
}

function toVersion(r: VersionSql): HistoryVersionRow {
  return { pid: r.pid, fromSeq: r.from_seq, toSeq: r.to_seq, type: HISTORY_TYPES[r.type] ?? 'file', size: r.size, mtimeMs: r.mtime_ms, fingerprint: r.fingerprint };
}

/** One write of the indexer; a batch of them is applied in one transaction. */
export type HistoryWrite =
  | { readonly op: 'path'; readonly pid: number; readonly parent: number }
  | { readonly op: 'open'; readonly version: HistoryVersionRow }
  | { readonly op: 'close'; readonly pid: number; readonly toSeq: number }
  | { readonly op: 'fingerprint'; readonly pid: number; readonly fingerprint: Buffer }
  | { readonly op: 'page'; readonly page: number; readonly sealed: Buffer }
  | { readonly op: 'snapshot'; readonly row: HistorySnapshotRow };

type Name = 'snapshots' | 'addSnapshot' | 'children' | 'parent' | 'maxPid' | 'addPath' | 'page' | 'putPage' | 'pages' | 'versions' | 'openChildren'
  | 'openVersion' | 'open' | 'close' | 'setFingerprint';

export class HistoryRows {
  private readonly st: Record<Name, Statement>;

  constructor(private readonly db: Db, private readonly file: string) {
    this.st = {
      snapshots: db.prepare('SELECT seq, id, time_ms, tree FROM history_snapshots ORDER BY seq'),
      addSnapshot: db.prepare('INSERT INTO history_snapshots (seq, id, time_ms, tree) VALUES (?, ?, ?, ?)'),
      children: db.prepare('SELECT pid FROM history_paths WHERE parent = ? ORDER BY pid'),
      parent: db.prepare('SELECT parent FROM history_paths WHERE pid = ?').pluck(),
      maxPid: db.prepare('SELECT COALESCE(MAX(pid), 0) FROM history_paths').pluck(),
      addPath: db.prepare('INSERT INTO history_paths (pid, parent) VALUES (?, ?)'),
      page: db.prepare('SELECT sealed FROM history_names WHERE page = ?').pluck(),
      putPage: db.prepare('INSERT INTO history_names (page, sealed) VALUES (?, ?) ON CONFLICT (page) DO UPDATE SET sealed = excluded.sealed'),
      pages: db.prepare('SELECT page, sealed FROM history_names WHERE page >= ? ORDER BY page'),
      versions: db.prepare('SELECT * FROM history_versions WHERE pid = ? ORDER BY from_seq'),
      openChildren: db.prepare(`SELECT v.* FROM history_paths p JOIN history_versions v ON v.pid = p.pid AND v.to_seq IS NULL WHERE p.parent = ?`),
      openVersion: db.prepare('SELECT * FROM history_versions WHERE pid = ? AND to_seq IS NULL'),
      open: db.prepare(`INSERT INTO history_versions (pid, from_seq, to_seq, type, size, mtime_ms, fingerprint) VALUES (?, ?, NULL, ?, ?, ?, ?)
        ON CONFLICT (pid, from_seq) DO UPDATE SET to_seq = NULL, type = excluded.type, size = excluded.size, mtime_ms = excluded.mtime_ms,
          fingerprint = excluded.fingerprint`),
      close: db.prepare('UPDATE history_versions SET to_seq = ? WHERE pid = ? AND to_seq IS NULL'),
      setFingerprint: db.prepare('UPDATE history_versions SET fingerprint = ? WHERE pid = ? AND to_seq IS NULL'),
    };
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw useFailure(this.file, e);
    }
  }

  snapshots(): HistorySnapshotRow[] {
    return this.run(() => (this.st.snapshots.all() as { seq: number; id: string; time_ms: number; tree: Buffer }[])
      .map((r) => ({ seq: r.seq, id: r.id, timeMs: r.time_ms, tree: r.tree })));
  }

  children(parent: number): number[] {
    return this.run(() => (this.st.children.all(parent) as { pid: number }[]).map((r) => r.pid));
  }

  parentOf(pid: number): number | undefined {
    return this.run(() => this.st.parent.get(pid) as number | undefined);
  }

  maxPid(): number {
    return this.run(() => this.st.maxPid.get() as number);
  }

  page(page: number): Buffer | undefined {
    return this.run(() => this.st.page.get(page) as Buffer | undefined);
  }

  /** Sealed name pages from `first` on, in order. */
  *pagesFrom(first: number): IterableIterator<{ page: number; sealed: Buffer }> {
    try {
      yield* this.st.pages.iterate(first) as IterableIterator<{ page: number; sealed: Buffer }>;
    } catch (e) {
      throw useFailure(this.file, e);
    }
  }

  versions(pid: number): HistoryVersionRow[] {
    return this.run(() => (this.st.versions.all(pid) as VersionSql[]).map(toVersion));
  }

  openVersion(pid: number): HistoryVersionRow | undefined {
    const r = this.run(() => this.st.openVersion.get(pid) as VersionSql | undefined);
    return r && toVersion(r);
  }

  /** The open versions of a folder's children, by pid. */
  openChildren(parent: number): Map<number, HistoryVersionRow> {
    return new Map(this.run(() => (this.st.openChildren.all(parent) as VersionSql[]).map((r) => [r.pid, toVersion(r)] as const)));
  }

  /** Applies the indexer's writes in order, in one transaction. */
  apply(writes: readonly HistoryWrite[]): void {
    if (writes.length === 0) return;
    this.run(() => this.db.transaction(() => {
      for (const w of writes) {
        switch (w.op) {
          case 'path': this.st.addPath.run(w.pid, w.parent); break;
          case 'open': {
            const v = w.version;
            this.st.open.run(v.pid, v.fromSeq, HISTORY_TYPES.indexOf(v.type), v.size, v.mtimeMs, v.fingerprint);
            break;
          }
          case 'close': this.st.close.run(w.toSeq, w.pid); break;
          case 'fingerprint': this.st.setFingerprint.run(w.fingerprint, w.pid); break;
          case 'page': this.st.putPage.run(w.page, w.sealed); break;
          case 'snapshot': this.st.addSnapshot.run(w.row.seq, w.row.id, w.row.timeMs, w.row.tree); break;
        }
      }
    })());
  }

  /** Forgets the whole index (it is rebuilt from the snapshots). */
  clear(): void {
    this.run(() => this.db.transaction(() => {
      for (const t of ['history_versions', 'history_names', 'history_paths', 'history_snapshots']) this.db.exec(`DELETE FROM ${t}`);
    })());
  }
}
