// Continuous protection's durable queue (schema migration 3; protection/). Rows are written by
// the rhythm rules of protection/ChangeRhythm.ts; this class only stores and finds them.
import type { Database as Db, Statement } from 'better-sqlite3';
import { useFailure } from './failure.js';

export interface ChangeRow {
  /** Absolute path, as the OS names it. */
  readonly path: string;
  /** True while a change waits to be backed up; false once protected (kept a while for the rhythm). */
  readonly pending: boolean;
  /** ms: the first change not yet protected (null once protected). The age of the oldest is the RPO. */
  readonly firstMs: number | null;
  /** ms: the last change seen. */
  readonly lastMs: number;
  /** ms: not backed up before this. */
  readonly dueMs: number;
  /** ms: when a version was last stored. */
  readonly protectedMs: number | null;
  /** Versions stored at short intervals in a row: a file saved again and again waits longer each time. */
  readonly streak: number;
  /** Reads that failed since the last success (in use, permission denied). */
  readonly attempts: number;
  /** Reads in a row during which the file kept changing. */
  readonly unstable: number;
  /** The last failure, user-facing: { code, reason }. */
  readonly error: { code: string; reason: string } | null;
  /** Size as last seen (bytes pending), or null. */
  readonly size: number | null;
}

interface SqlRow {
  path: string;
  pending: number;
  first_ms: number | null;
  last_ms: number;
  due_ms: number;
  protected_ms: number | null;
  streak: number;
  attempts: number;
  unstable: number;
  error: string | null;
  size: number | null;
}

function toRow(r: SqlRow): ChangeRow {
  let error: ChangeRow['error'] = null;
  if (r.error !== null) {
    try {
      const e = JSON.parse(r.error) as { code?: unknown; reason?: unknown };
      error = { code: String(e.code ?? 'EIO'), reason: String(e.reason ?? '') };
    } catch {
      error = { code: 'EIO', reason: r.error };
    }
  }
  return { path: r.path, pending: r.pending === 1, firstMs: r.first_ms, lastMs: r.last_ms, dueMs: r.due_ms, protectedMs: r.protected_ms,
    streak: r.streak, attempts: r.attempts, unstable: r.unstable, error, size: r.size };
}

function toSql(r: ChangeRow): SqlRow {
  return { path: r.path, pending: r.pending ? 1 : 0, first_ms: r.firstMs, last_ms: r.lastMs, due_ms: r.dueMs, protected_ms: r.protectedMs,
    streak: r.streak, attempts: r.attempts, unstable: r.unstable, error: r.error ? JSON.stringify(r.error) : null, size: r.size };
}

export interface ChangeCounts {
  readonly pending: number;
  readonly pendingBytes: number;
  /** Pending paths that failed at least `failedAfter` reads in a row. */
  readonly failed: number;
  /** ms of the oldest unprotected change, or null. */
  readonly oldestMs: number | null;
}

export class ChangeRows {
  private readonly st: Record<'get' | 'put' | 'due' | 'pending' | 'nextDue' | 'counts' | 'failures' | 'prune' | 'clamp' | 'remove' | 'allPending', Statement>;

  constructor(private readonly db: Db, private readonly file: string) {
    this.st = {
      get: db.prepare('SELECT * FROM changes WHERE path = ?'),
      put: db.prepare(`INSERT INTO changes (path, pending, first_ms, last_ms, due_ms, protected_ms, streak, attempts, unstable, error, size)
        VALUES (@path, @pending, @first_ms, @last_ms, @due_ms, @protected_ms, @streak, @attempts, @unstable, @error, @size)
        ON CONFLICT (path) DO UPDATE SET pending = excluded.pending, first_ms = excluded.first_ms, last_ms = excluded.last_ms, due_ms = excluded.due_ms,
          protected_ms = excluded.protected_ms, streak = excluded.streak, attempts = excluded.attempts, unstable = excluded.unstable,
          error = excluded.error, size = excluded.size`),
      due: db.prepare('SELECT * FROM changes WHERE pending = 1 AND due_ms <= ? ORDER BY due_ms LIMIT ?'),
      pending: db.prepare('SELECT * FROM changes WHERE pending = 1 ORDER BY due_ms LIMIT ?'),
      nextDue: db.prepare('SELECT MIN(due_ms) AS due FROM changes WHERE pending = 1'),
      counts: db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes, COALESCE(SUM(attempts >= ?), 0) AS failed, MIN(first_ms) AS oldest
        FROM changes WHERE pending = 1`),
      failures: db.prepare('SELECT * FROM changes WHERE pending = 1 AND attempts >= ? ORDER BY path LIMIT ?'),
      prune: db.prepare('DELETE FROM changes WHERE pending = 0 AND (protected_ms IS NULL OR protected_ms < ?)'),
      clamp: db.prepare('UPDATE changes SET due_ms = ? WHERE pending = 1 AND due_ms > ?'),
      remove: db.prepare('DELETE FROM changes WHERE path = ?'),
      allPending: db.prepare('SELECT COUNT(*) AS n FROM changes WHERE pending = 1 AND due_ms <= ?'),
    };
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw useFailure(this.file, e);
    }
  }

  get(path: string): ChangeRow | undefined {
    const r = this.run(() => this.st.get.get(path) as SqlRow | undefined);
    return r && toRow(r);
  }

  /** Writes rows in one transaction: a burst of events costs one commit. */
  put(rows: readonly ChangeRow[]): void {
    if (rows.length === 0) return;
    this.run(() => this.db.transaction(() => {
      for (const r of rows) this.st.put.run(toSql(r));
    })());
  }

  /** Reads, updates and writes rows in one transaction (an event never slips in between). */
  update(paths: readonly string[], next: (path: string, row: ChangeRow | undefined) => ChangeRow | null): void {
    if (paths.length === 0) return;
    this.run(() => this.db.transaction(() => {
      for (const p of paths) {
        const raw = this.st.get.get(p) as SqlRow | undefined;
        const r = next(p, raw && toRow(raw));
        if (r === null) this.st.remove.run(p);
        else this.st.put.run(toSql(r));
      }
    })());
  }

  /** Pending paths due by `now`, oldest due first. */
  due(now: number, limit: number): ChangeRow[] {
    return this.run(() => (this.st.due.all(now, limit) as SqlRow[]).map(toRow));
  }

  /** Pending paths, due or not, soonest first. */
  pending(limit: number): ChangeRow[] {
    return this.run(() => (this.st.pending.all(limit) as SqlRow[]).map(toRow));
  }

  /** How many pending paths are due by `now`. */
  dueCount(now: number): number {
    return this.run(() => (this.st.allPending.get(now) as { n: number }).n);
  }

  /** The earliest due time of a pending path, or null when nothing waits. */
  nextDue(): number | null {
    return this.run(() => (this.st.nextDue.get() as { due: number | null }).due);
  }

  counts(failedAfter: number): ChangeCounts {
    const r = this.run(() => this.st.counts.get(failedAfter) as { n: number; bytes: number; failed: number; oldest: number | null });
    return { pending: r.n, pendingBytes: r.bytes, failed: r.failed, oldestMs: r.oldest };
  }

  /** Pending paths that failed at least `failedAfter` reads in a row. */
  failures(failedAfter: number, limit = 1000): ChangeRow[] {
    return this.run(() => (this.st.failures.all(failedAfter, limit) as SqlRow[]).map(toRow));
  }

  /** Forgets protected paths whose last version is older than `before` (ms). */
  prune(before: number): number {
    return this.run(() => this.st.prune.run(before).changes);
  }

  /** A clock that jumped back leaves due dates far ahead: brings any past `latest` back to `to`. */
  clampDue(latest: number, to: number): number {
    return this.run(() => this.st.clamp.run(to, latest).changes);
  }
}
