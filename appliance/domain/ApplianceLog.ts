// The appliance's own log: what administrators did (tokens, revocations, quotas, unlocks,
// cancelled deletions), what the appliance did on its own (lockouts, applied deletions), and who
// read escrowed keys. Never a secret in it: ids, names, sizes and times only.
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { Db } from '../db/database.js';

/** "admin-cli" (the havre-appliance command), "admin" (an admin session), "machine", "user", "system". */
export type Actor = 'admin-cli' | 'admin' | 'machine' | 'user' | 'system';

export interface LogEntry {
  readonly id: number;
  readonly time: string;
  readonly actor: Actor;
  readonly action: string;
  readonly machineId: string | null;
  readonly detail: Record<string, unknown>;
}

interface LogRow {
  id: number;
  time: number;
  actor: Actor;
  action: string;
  machine_id: string | null;
  detail: string;
}

export class ApplianceLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  write(actor: Actor, action: string, machineId: string | null, detail: Record<string, string | number | boolean | null> = {}): void {
    this.db.prepare('INSERT INTO log (time, actor, action, machine_id, detail) VALUES (?, ?, ?, ?, ?)').run(this.clock.now(), actor, action, machineId, JSON.stringify(detail));
  }

  /** Newest first. */
  list(opts: { machineId?: string; limit?: number } = {}): LogEntry[] {
    const rows = (
      opts.machineId
        ? this.db.prepare('SELECT * FROM log WHERE machine_id = ? ORDER BY id DESC LIMIT ?').all(opts.machineId, opts.limit ?? 1000)
        : this.db.prepare('SELECT * FROM log ORDER BY id DESC LIMIT ?').all(opts.limit ?? 1000)
    ) as LogRow[];
    return rows.map((r) => ({ id: r.id, time: iso(r.time), actor: r.actor, action: r.action, machineId: r.machine_id, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
