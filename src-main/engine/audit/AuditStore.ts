// The audit log's own SQLite file, `<home>/audit/<repoId>.sqlite` (DECISIONS.md): not the catalog,
// which is a cache that `havre repair catalog` empties. Rows are read in insertion order, so the
// verifier sees the log as it is on disk (a reordered or renumbered row shows as a break).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { HavreError } from '../errors/index.js';
import type { ChainedEvent, ChainHead } from '../appliance/protocol.js';

/** An event as the log keeps it: the wire event and its MAC (null when no key was at hand). */
export interface AuditEvent extends ChainedEvent {
  readonly mac: string | null;
}

/** Where the kept chain starts once older events were pruned (genesis before any pruning). */
export interface Checkpoint extends ChainHead {
  readonly mac: string | null;
  readonly time: string | null;
}

interface Row {
  seq: number;
  time: string;
  type: string;
  data: string;
  prev: string;
  hash: string;
  mac: string | null;
}

export function auditFile(home: string, repoId: string): string {
  return join(home, 'audit', `${repoId}.sqlite`);
}

export class AuditStore {
  private constructor(private readonly db: Db, readonly file: string) {}

  static open(file: string): AuditStore {
    let db: Db | null = null;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 10000');
      db.exec(`CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, time TEXT NOT NULL,
                 type TEXT NOT NULL, data TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL, mac TEXT);
               CREATE INDEX IF NOT EXISTS events_seq ON events(seq);
               CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
      return new AuditStore(db, file);
    } catch (e) {
      db?.close();
      throw new HavreError('AUDIT_LOG_DAMAGED', { path: file, detail: e instanceof Error ? e.message : String(e) });
    }
  }

  close(): void {
    this.db.close();
  }

  meta(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  checkpoint(): Checkpoint {
    const v = this.meta('checkpoint');
    if (v === null) return { seq: 0, hash: '0'.repeat(64), mac: null, time: null };
    return this.guard(() => JSON.parse(v) as Checkpoint);
  }

  /** The last event's seq and hash (the checkpoint's when every event was pruned). */
  head(): ChainHead {
    const r = this.db.prepare('SELECT seq, hash FROM events ORDER BY id DESC LIMIT 1').get() as ChainHead | undefined;
    if (r) return { seq: r.seq, hash: r.hash };
    const c = this.checkpoint();
    return { seq: c.seq, hash: c.hash };
  }

  /** Runs fn in one write transaction: the head it reads is still the head when it appends (several processes share the file). */
  appendAfterHead(make: (head: ChainHead) => AuditEvent): AuditEvent {
    return this.db.transaction(() => {
      const e = make(this.head());
      this.db.prepare('INSERT INTO events (seq, time, type, data, prev, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(e.seq, e.time, e.type, JSON.stringify(e.data), e.prev, e.hash, e.mac);
      return e;
    }).immediate();
  }

  /** Every kept event, in the order they were written; `sinceSeq` keeps those with a greater seq. */
  events(sinceSeq = -1): AuditEvent[] {
    const rows = this.db.prepare('SELECT seq, time, type, data, prev, hash, mac FROM events WHERE seq > ? ORDER BY id').all(sinceSeq) as Row[];
    return rows.map((r) => this.guard(() => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> })));
  }

  /** Time (ms) of the newest event of `type` whose data.job is `job`. */
  lastOf(type: string, job: string): number | null {
    const r = this.db.prepare("SELECT time FROM events WHERE type = ? AND json_extract(data, '$.job') = ? ORDER BY id DESC LIMIT 1").get(type, job) as { time: string } | undefined;
    return r ? Date.parse(r.time) : null;
  }

  /** The last seq the appliance acknowledged (0 before any). */
  acked(): number {
    return Number(this.meta('acked') ?? 0);
  }

  setAcked(seq: number): void {
    this.setMeta('acked', String(seq));
  }

  /** Drops events up to `upTo.seq` and records where the kept chain starts, in one transaction. */
  prune(upTo: Checkpoint): number {
    return this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM events WHERE seq <= ?').run(upTo.seq).changes;
      this.setMeta('checkpoint', JSON.stringify(upTo));
      return n;
    }).immediate();
  }

  /** Test and migration hook: rows as raw SQL sees them. */
  raw(): Db {
    return this.db;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new HavreError('AUDIT_LOG_DAMAGED', { path: this.file, detail: e instanceof Error ? e.message : String(e) });
    }
  }
}
