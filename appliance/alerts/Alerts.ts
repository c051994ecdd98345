// The appliance's alerts (PROTOCOL.md §8): stored first, then delivered to the configured sinks,
// retried with backoff on later ticks until every sink has them. Conditions (a silent machine, a
// full quota, a locked account, a full disk) have at most one open alert per machine, closed when
// the condition ends; incidents (a chain break) stay open until an administrator closes them;
// notices (an unlock) are stored closed, for the record and the sinks.
import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { AlertMessage, AlertSink } from './AlertSink.js';

export type AlertType = 'QUOTA_EXCEEDED' | 'MACHINE_SILENT' | 'CHAIN_BREAK' | 'LOCKOUT' | 'UNLOCKED' | 'STORAGE_FULL'
  | 'NO_BACKUP' | 'JOB_FAILED' | 'VERIFY_FAILED' | 'VIRUS_FOUND' | 'SUMMARY';
export type Delivery = 'pending' | 'delivered' | 'none';
/**
 * condition: at most one open per (type, machine), closed when the condition ends;
 * incident: open until an administrator closes it; notice: stored closed, delivered all the same.
 */
export type AlertKind = 'condition' | 'incident' | 'notice';

export interface Alert {
  readonly id: number;
  readonly time: string;
  readonly type: AlertType;
  readonly machineId: string | null;
  readonly message: string;
  readonly open: boolean;
  readonly closedAt: string | null;
  /** 'none': no sink was configured when it was raised. */
  readonly delivery: Delivery;
  readonly deliveredTo: readonly string[];
  readonly attempts: number;
  readonly lastError: string | null;
}

interface AlertRow {
  id: number;
  time: number;
  type: AlertType;
  machine_id: string | null;
  message: string;
  open: number;
  closed_at: number | null;
  delivery: Delivery;
  delivered_to: string;
  attempts: number;
  last_error: string | null;
}

const RETRY_FIRST_MS = 60_000;
const RETRY_MAX_MS = 60 * 60_000;
const DELIVERY_BATCH = 100;

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    time: iso(r.time),
    type: r.type,
    machineId: r.machine_id,
    message: r.message,
    open: r.open === 1,
    closedAt: r.closed_at === null ? null : iso(r.closed_at),
    delivery: r.delivery,
    deliveredTo: r.delivered_to === '' ? [] : r.delivered_to.split(','),
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

export class Alerts {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sinks: readonly AlertSink[],
  ) {}

  /** Stores an alert; for a condition already open, does nothing and returns null. */
  raise(type: AlertType, machineId: string | null, message: string, kind: AlertKind): Alert | null {
    const now = this.clock.now();
    return this.db.transaction(() => {
      if (kind === 'condition' && this.openId(type, machineId) !== undefined) return null;
      const open = kind !== 'notice';
      const info = this.db
        .prepare(`INSERT INTO alerts (time, type, machine_id, message, open, closed_at, delivery, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(now, type, machineId, message, open ? 1 : 0, open ? null : now, this.sinks.length > 0 ? 'pending' : 'none', now);
      return this.get(Number(info.lastInsertRowid));
    }).immediate();
  }

  /** Closes the open alerts of this type for this machine (the condition ended); false if none. */
  resolve(type: AlertType, machineId: string | null): boolean {
    return this.db.prepare('UPDATE alerts SET open = 0, closed_at = ? WHERE open = 1 AND type = ? AND machine_id IS ?').run(this.clock.now(), type, machineId).changes > 0;
  }

  /** When the newest alert of this type was raised (ms), or null. */
  lastTime(type: AlertType): number | null {
    const r = this.db.prepare('SELECT MAX(time) AS t FROM alerts WHERE type = ?').get(type) as { t: number | null };
    return r.t;
  }

  isOpen(type: AlertType, machineId: string | null): boolean {
    return this.openId(type, machineId) !== undefined;
  }

  /** Closes an alert by hand (the administrator has seen it); false if unknown or closed. */
  close(id: number): boolean {
    return this.db.prepare('UPDATE alerts SET open = 0, closed_at = ? WHERE id = ? AND open = 1').run(this.clock.now(), id).changes === 1;
  }

  get(id: number): Alert | null {
    const r = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return r ? toAlert(r) : null;
  }

  /** Newest first. By default only open alerts and those not delivered yet. */
  list(opts: { all?: boolean; machineId?: string; limit?: number } = {}): Alert[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (!opts.all) where.push("(open = 1 OR delivery = 'pending')");
    if (opts.machineId) {
      where.push('machine_id = ?');
      args.push(opts.machineId);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit ?? 1000) as AlertRow[]).map(toAlert);
  }

  /** Sends what is due to every sink that does not have it yet; failures wait for a later tick. */
  async deliverPending(): Promise<{ delivered: number; failed: number }> {
    if (this.sinks.length === 0) return { delivered: 0, failed: 0 };
    const now = this.clock.now();
    const due = this.db
      .prepare("SELECT a.*, m.host AS host FROM alerts a LEFT JOIN machines m ON m.id = a.machine_id WHERE a.delivery = 'pending' AND a.next_attempt <= ? ORDER BY a.id LIMIT ?")
      .all(now, DELIVERY_BATCH) as (AlertRow & { host: string | null })[];
    let delivered = 0;
    let failed = 0;
    for (const r of due) {
      const msg: AlertMessage = {
        id: r.id,
        time: iso(r.time),
        type: r.type,
        machineId: r.machine_id,
        machine: r.machine_id ? `${r.host ?? 'unknown machine'} (${r.machine_id.slice(0, 8)})` : null,
        message: r.message,
      };
      const done = new Set(r.delivered_to === '' ? [] : r.delivered_to.split(','));
      const errors: string[] = [];
      for (const sink of this.sinks) {
        if (done.has(sink.name)) continue;
        try {
          await sink.deliver(msg);
          done.add(sink.name);
        } catch (e) {
          errors.push(`${sink.name}: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`);
        }
      }
      const attempts = r.attempts + 1;
      const allDone = this.sinks.every((s) => done.has(s.name));
      const backoff = Math.min(RETRY_FIRST_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
      this.db
        .prepare('UPDATE alerts SET delivery = ?, delivered_to = ?, attempts = ?, last_error = ?, next_attempt = ? WHERE id = ?')
        .run(allDone ? 'delivered' : 'pending', [...done].join(','), attempts, errors.length ? errors.join('; ') : r.last_error, this.clock.now() + backoff, r.id);
      if (allDone) delivered++;
      else failed++;
    }
    return { delivered, failed };
  }

  private openId(type: AlertType, machineId: string | null): number | undefined {
    const r = this.db.prepare('SELECT id FROM alerts WHERE open = 1 AND type = ? AND machine_id IS ?').get(type, machineId) as { id: number } | undefined;
    return r?.id;
  }
}
