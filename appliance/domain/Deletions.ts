// Deletion requests (PROTOCOL.md §6): hidden at once, carried out DELETE_DELAY_MS later unless
// the administrator cancels them. Applying is two steps around the byte removal ('applying', then
// 'applied'), so an upload of the same object from another process never races the removal and a
// crash in between is finished by the next sweep.
import type { ObjectKind } from '../../src-main/engine/store/index.js';
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { ApplianceError } from '../errors/index.js';
import type { ObjectVault } from '../vault/ObjectVault.js';
import type { Actor, ApplianceLog } from './ApplianceLog.js';
import type { KeyedMutex } from './KeyedMutex.js';
import { objectKey } from './Objects.js';

export type DeletionState = 'pending' | 'applying' | 'applied' | 'cancelled';

export interface DeletionInfo {
  readonly id: number;
  readonly machineId: string;
  readonly kind: ObjectKind;
  readonly name: string;
  readonly size: number;
  readonly requested: string;
  readonly applyAfter: string;
  readonly state: DeletionState;
  readonly by: string;
  readonly decided: string | null;
  readonly decidedBy: string | null;
}

interface DeletionRow {
  id: number;
  machine_id: string;
  kind: ObjectKind;
  name: string;
  size: number;
  requested: number;
  apply_after: number;
  state: DeletionState;
  by: string;
  decided: number | null;
  decided_by: string | null;
}

function toInfo(r: DeletionRow): DeletionInfo {
  return {
    id: r.id,
    machineId: r.machine_id,
    kind: r.kind,
    name: r.name,
    size: r.size,
    requested: iso(r.requested),
    applyAfter: iso(r.apply_after),
    state: r.state,
    by: r.by,
    decided: r.decided === null ? null : iso(r.decided),
    decidedBy: r.decided_by,
  };
}

const APPLY_BATCH = 1000;

export class Deletions {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly vault: ObjectVault,
    private readonly log: ApplianceLog,
    private readonly mutex: KeyedMutex,
  ) {}

  /** Open requests (pending, applying) by due time; `all` adds the history, newest first. */
  list(opts: { all?: boolean; machineId?: string; limit?: number } = {}): DeletionInfo[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (!opts.all) where.push("state IN ('pending', 'applying')");
    if (opts.machineId) {
      where.push('machine_id = ?');
      args.push(opts.machineId);
    }
    const order = opts.all ? 'id DESC' : 'apply_after, id';
    const sql = `SELECT * FROM deletions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit ?? 10_000) as DeletionRow[]).map(toInfo);
  }

  get(id: number): DeletionInfo {
    const r = this.db.prepare('SELECT * FROM deletions WHERE id = ?').get(id) as DeletionRow | undefined;
    if (!r) throw new ApplianceError('NOT_FOUND', { what: `deletion request ${id}` });
    return toInfo(r);
  }

  /** The administrator keeps the object: visible again to its machine and user. */
  cancel(id: number, actor: Actor = 'admin-cli'): DeletionInfo {
    const done = this.db.transaction(() => {
      const r = this.db.prepare('SELECT * FROM deletions WHERE id = ?').get(id) as DeletionRow | undefined;
      if (!r) throw new ApplianceError('NOT_FOUND', { what: `deletion request ${id}` });
      if (r.state !== 'pending') return false;
      this.db.prepare("UPDATE deletions SET state = 'cancelled', decided = ?, decided_by = ? WHERE id = ?").run(this.clock.now(), actor, id);
      this.db.prepare('UPDATE objects SET pending_deletion = 0 WHERE machine_id = ? AND kind = ? AND name = ?').run(r.machine_id, r.kind, r.name);
      this.db.prepare('UPDATE machines SET used_bytes = used_bytes + ? WHERE id = ?').run(r.size, r.machine_id);
      this.log.write(actor, 'deletion.cancel', r.machine_id, { deletion: id, kind: r.kind, name: r.name });
      return true;
    }).immediate();
    const info = this.get(id);
    if (!done) throw new ApplianceError('NOT_FOUND', { what: `pending deletion request ${id} (it is ${info.state})` });
    return info;
  }

  /** Carries out every request due by now (and finishes any interrupted one); returns how many. */
  async applyDue(): Promise<number> {
    const due = this.db
      .prepare("SELECT * FROM deletions WHERE (state = 'pending' AND apply_after <= ?) OR state = 'applying' ORDER BY apply_after, id LIMIT ?")
      .all(this.clock.now(), APPLY_BATCH) as DeletionRow[];
    let applied = 0;
    for (const d of due) {
      const ok = await this.mutex.run(objectKey(d.machine_id, d.kind, d.name), async () => {
        const claimed = this.db
          .prepare("UPDATE deletions SET state = 'applying' WHERE id = ? AND (state = 'applying' OR (state = 'pending' AND apply_after <= ?))")
          .run(d.id, this.clock.now()).changes === 1;
        if (!claimed) return false; // cancelled or re-uploaded meanwhile
        await this.vault.delete(d.machine_id, d.kind, d.name);
        this.db.transaction(() => {
          this.db.prepare("UPDATE deletions SET state = 'applied', decided = ?, decided_by = 'system' WHERE id = ?").run(this.clock.now(), d.id);
          this.db.prepare('DELETE FROM objects WHERE machine_id = ? AND kind = ? AND name = ? AND pending_deletion = 1').run(d.machine_id, d.kind, d.name);
          this.log.write('system', 'deletion.apply', d.machine_id, { deletion: d.id, kind: d.kind, name: d.name, size: d.size });
        }).immediate();
        return true;
      });
      if (ok) applied++;
    }
    return applied;
  }
}
