// What each backup target holds (schema migration 2; docs/TARGETS.md). The catalog is a cache: if
// it is lost, a target's rows are rebuilt by listing it ("seeding"), so nothing here is the truth.
import type { Database as Db, Statement } from 'better-sqlite3';
import { useFailure } from './failure.js';

export type TargetObjectState = 'pending' | 'stored' | 'deleting';

const STATE_CODE: Record<TargetObjectState, number> = { pending: 0, stored: 1, deleting: 2 };
const STATE_NAME: readonly TargetObjectState[] = ['pending', 'stored', 'deleting'];

export interface TargetObjectRow {
  readonly target: string;
  readonly kind: string;
  readonly name: string;
  readonly size: number;
  readonly state: TargetObjectState;
  readonly seq: number;
  /** When the object's Object Lock ends (ms), or null when unknown or unlocked. */
  readonly retainUntil: number | null;
}

interface SqlRow {
  target: string;
  kind: string;
  name: string;
  size: number;
  state: number;
  seq: number;
  retain_until: number | null;
}

function toRow(r: SqlRow): TargetObjectRow {
  return { target: r.target, kind: r.kind, name: r.name, size: r.size, state: STATE_NAME[r.state] ?? 'pending', seq: r.seq, retainUntil: r.retain_until };
}

export interface TargetCounts {
  readonly pending: number;
  readonly pendingBytes: number;
  readonly stored: number;
  readonly deleting: number;
}

export class TargetRows {
  private readonly st: Record<'get' | 'upsert' | 'setState' | 'remove' | 'removeTarget' | 'nextSeq' | 'queue' | 'countPendingKinds' | 'pendingBefore' | 'counts'
    | 'byState' | 'lockDue' | 'deletionDue' | 'setRetain' | 'getMeta' | 'setMeta' | 'deleteMeta' | 'held', Statement>;
  private seq: number | null = null;

  constructor(private readonly db: Db, private readonly file: string) {
    this.st = {
      get: db.prepare('SELECT * FROM target_objects WHERE target = ? AND kind = ? AND name = ?'),
      upsert: db.prepare(`INSERT INTO target_objects (target, kind, name, size, state, seq, retain_until) VALUES (@target, @kind, @name, @size, @state, @seq, @retain)
        ON CONFLICT (target, kind, name) DO UPDATE SET size = excluded.size, state = excluded.state, retain_until = COALESCE(excluded.retain_until, target_objects.retain_until)`),
      setState: db.prepare('UPDATE target_objects SET state = ?, retain_until = COALESCE(?, retain_until) WHERE target = ? AND kind = ? AND name = ?'),
      remove: db.prepare('DELETE FROM target_objects WHERE target = ? AND kind = ? AND name = ?'),
      removeTarget: db.prepare('DELETE FROM target_objects WHERE target = ?'),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM target_objects'),
      queue: db.prepare('SELECT * FROM target_objects WHERE target = ? AND state = 0 AND seq > ? ORDER BY seq LIMIT ?'),
      countPendingKinds: db.prepare('SELECT COUNT(*) AS n FROM target_objects WHERE target = ? AND state = 0 AND kind IN (SELECT value FROM json_each(?))'),
      pendingBefore: db.prepare('SELECT COUNT(*) AS n FROM target_objects WHERE target = ? AND state = 0 AND seq < ? AND kind IN (SELECT value FROM json_each(?))'),
      counts: db.prepare(`SELECT SUM(state = 0) AS pending, COALESCE(SUM(CASE WHEN state = 0 THEN size END), 0) AS pending_bytes,
        SUM(state = 1) AS stored, SUM(state = 2) AS deleting FROM target_objects WHERE target = ?`),
      byState: db.prepare('SELECT * FROM target_objects WHERE target = ? AND kind = ? AND state = ?'),
      lockDue: db.prepare('SELECT * FROM target_objects WHERE target = ? AND state = 1 AND (retain_until IS NULL OR retain_until < ?) ORDER BY seq'),
      deletionDue: db.prepare('SELECT * FROM target_objects WHERE target = ? AND state = 2 AND (retain_until IS NULL OR retain_until <= ?) ORDER BY seq'),
      setRetain: db.prepare('UPDATE target_objects SET retain_until = ? WHERE target = ? AND kind = ? AND name = ?'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
      held: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes, MAX(retain_until) AS until FROM target_objects WHERE target = ? AND state = 2 AND retain_until > ?'),
    };
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw useFailure(this.file, e);
    }
  }

  private nextSeq(): number {
    if (this.seq === null) this.seq = (this.st.nextSeq.get() as { next: number }).next;
    return this.seq++;
  }

  get(target: string, kind: string, name: string): TargetObjectRow | undefined {
    const r = this.run(() => this.st.get.get(target, kind, name) as SqlRow | undefined);
    return r && toRow(r);
  }

  /** Records an object's state on a target; a new row takes the next sequence number. */
  set(target: string, kind: string, name: string, size: number, state: TargetObjectState, retainUntil: number | null = null): void {
    this.run(() => {
      const existing = this.st.get.get(target, kind, name) as SqlRow | undefined;
      if (existing) this.st.setState.run(STATE_CODE[state], retainUntil, target, kind, name);
      else this.st.upsert.run({ target, kind, name, size, state: STATE_CODE[state], seq: this.nextSeq(), retain: retainUntil });
    });
  }

  setRetainUntil(target: string, kind: string, name: string, retainUntil: number): void {
    this.run(() => this.st.setRetain.run(retainUntil, target, kind, name));
  }

  remove(target: string, kind: string, name: string): void {
    this.run(() => this.st.remove.run(target, kind, name));
  }

  /** The next objects to send to a target after sequence number `afterSeq`, in the order they were written. */
  queue(target: string, afterSeq: number, limit: number): TargetObjectRow[] {
    return this.run(() => (this.st.queue.all(target, afterSeq, limit) as SqlRow[]).map(toRow));
  }

  /** Whether objects of these kinds still wait to be sent to the target. */
  hasPending(target: string, kinds: readonly string[]): boolean {
    return this.run(() => (this.st.countPendingKinds.get(target, JSON.stringify(kinds)) as { n: number }).n > 0);
  }

  /** Whether objects of these kinds, written before `seq`, still wait to be sent to the target. */
  hasPendingBefore(target: string, seq: number, kinds: readonly string[]): boolean {
    return this.run(() => (this.st.pendingBefore.get(target, seq, JSON.stringify(kinds)) as { n: number }).n > 0);
  }

  /** Whether the target's rows were built from a listing of it (they are complete, not partial). */
  isSeeded(target: string): boolean {
    return this.run(() => this.st.getMeta.get(`target-seeded:${target}`) !== undefined);
  }

  markSeeded(target: string, timeMs: number): void {
    this.run(() => this.st.setMeta.run(`target-seeded:${target}`, String(timeMs)));
  }

  /** Forgets a target: its rows and its seeding (a removed target, or one to re-list). */
  forget(target: string): void {
    this.transaction(() => {
      this.st.removeTarget.run(target);
      this.st.deleteMeta.run(`target-seeded:${target}`);
    });
  }

  counts(target: string): TargetCounts {
    const r = this.run(() => this.st.counts.get(target) as { pending: number | null; pending_bytes: number; stored: number | null; deleting: number | null });
    return { pending: r.pending ?? 0, pendingBytes: r.pending_bytes, stored: r.stored ?? 0, deleting: r.deleting ?? 0 };
  }

  names(target: string, kind: string, state: TargetObjectState): Set<string> {
    return new Set(this.run(() => (this.st.byState.all(target, kind, STATE_CODE[state]) as SqlRow[]).map((r) => r.name)));
  }

  /** Stored objects whose lock ends before `before` (or is not known). */
  lockDue(target: string, before: number): TargetObjectRow[] {
    return this.run(() => (this.st.lockDue.all(target, before) as SqlRow[]).map(toRow));
  }

  /** Objects waiting for deletion that a lock still holds at `now`: how many, their bytes, until when. */
  heldByLock(target: string, now: number): { count: number; bytes: number; until: number | null } {
    const r = this.run(() => this.st.held.get(target, now) as { n: number; bytes: number; until: number | null });
    return { count: r.n, bytes: r.bytes, until: r.until };
  }

  /** Objects waiting for deletion whose lock has ended by `now` (or is not known). */
  deletionDue(target: string, now: number): TargetObjectRow[] {
    return this.run(() => (this.st.deletionDue.all(target, now) as SqlRow[]).map(toRow));
  }

  transaction<T>(fn: () => T): T {
    return this.run(() => this.db.transaction(fn)());
  }
}
