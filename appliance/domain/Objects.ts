// Each machine's write-once object store (PROTOCOL.md §6). The database says which objects exist
// and which the machine may see; the vault holds the bytes. An object is recorded only after its
// bytes are complete, checked and durable, so nothing half-written is ever visible.
import type { Readable } from 'node:stream';
import type { DeleteResponse, ListResponse } from '../../src-main/engine/appliance/protocol.js';
import { DELETE_DELAY_MS, isObjectKind, LIST_PAGE_MAX } from '../../src-main/engine/appliance/protocol.js';
import { isObjectName, type ObjectKind } from '../../src-main/engine/store/index.js';
import type { Alerts } from '../alerts/Alerts.js';
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { ApplianceError } from '../errors/index.js';
import { digestBody } from '../vault/digest.js';
import type { ByteRange, ObjectVault } from '../vault/ObjectVault.js';
import type { Actor, ApplianceLog } from './ApplianceLog.js';
import type { KeyedMutex } from './KeyedMutex.js';
import { machineLabel, type Machines } from './Machines.js';

export const LIST_PAGE_DEFAULT = 1000;

/** created: new bytes stored (201). exists: already there (200). restored: a pending deletion was cancelled (200). */
export type PutResult = 'created' | 'exists' | 'restored';

export interface ObjectRecord {
  readonly name: string;
  readonly size: number;
  readonly created: number;
  readonly pendingDeletion: boolean;
}

/** includePending: also objects whose deletion is requested (the administrator's view). */
export interface ViewOptions {
  readonly includePending?: boolean;
}

interface ObjectRow {
  name: string;
  size: number;
  created: number;
  pending_deletion: number;
}

export function checkKind(kind: string): ObjectKind {
  if (!isObjectKind(kind)) throw new ApplianceError('BAD_REQUEST', { reason: `“${kind.slice(0, 40)}” is not an object kind` });
  return kind;
}

export function checkName(name: string): string {
  if (!isObjectName(name)) throw new ApplianceError('BAD_REQUEST', { reason: 'an object name is 64 lowercase hex characters' });
  return name;
}

export function objectKey(machineId: string, kind: string, name: string): string {
  return `${machineId}/${kind}/${name}`;
}

export class Objects {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly vault: ObjectVault,
    private readonly machines: Machines,
    private readonly alerts: Alerts,
    private readonly log: ApplianceLog,
    private readonly mutex: KeyedMutex,
  ) {}

  /**
   * Stores an object the machine uploads. Idempotent: the same object again is checked and
   * answered 'exists'; an object whose deletion is pending comes back ('restored'). Quota and a
   * full disk refuse it before anything is visible.
   */
  async put(machineId: string, kindText: string, nameText: string, body: Readable | Uint8Array, size: number): Promise<PutResult> {
    const kind = checkKind(kindText);
    const name = checkName(nameText);
    return this.mutex.run(objectKey(machineId, kind, name), async () => {
      const row = this.row(machineId, kind, name);
      if (row && !row.pending_deletion) {
        if ((await digestBody(body, size)) !== name) throw new ApplianceError('DIGEST_MISMATCH');
        return 'exists';
      }
      this.checkQuota(machineId, size);
      if (row) {
        if ((await digestBody(body, size)) !== name) throw new ApplianceError('DIGEST_MISMATCH');
        this.restore(machineId, kind, name);
        return 'restored';
      }
      try {
        await this.vault.write(machineId, kind, name, body, size);
      } catch (e) {
        if (e instanceof ApplianceError && e.code === 'STORAGE_FULL') {
          this.alerts.raise('STORAGE_FULL', null, 'The appliance’s object storage is full: uploads are refused until space is freed.', 'condition');
        }
        throw e;
      }
      this.db.transaction(() => {
        const n = this.db.prepare('INSERT OR IGNORE INTO objects (machine_id, kind, name, size, created) VALUES (?, ?, ?, ?, ?)').run(machineId, kind, name, size, this.clock.now()).changes;
        if (n === 1) this.db.prepare('UPDATE machines SET used_bytes = used_bytes + ? WHERE id = ?').run(size, machineId);
      }).immediate();
      this.alerts.resolve('STORAGE_FULL', null);
      this.alerts.resolve('QUOTA_EXCEEDED', machineId);
      return 'created';
    });
  }

  /** Size and state of an object, or null when absent (or hidden from this view). */
  head(machineId: string, kindText: string, nameText: string, view: ViewOptions = {}): ObjectRecord | null {
    const r = this.row(machineId, checkKind(kindText), checkName(nameText));
    if (!r || (r.pending_deletion && !view.includePending)) return null;
    return { name: r.name, size: r.size, created: r.created, pendingDeletion: r.pending_deletion === 1 };
  }

  /** Opens an object's bytes (or a range of them) as a stream. */
  async open(machineId: string, kind: string, name: string, range?: ByteRange, view: ViewOptions = {}): Promise<{ size: number; stream: Readable }> {
    const h = this.head(machineId, kind, name, view);
    if (!h) throw new ApplianceError('NOT_FOUND', { what: `object ${kind}/${name}` });
    if (range && (range.offset < 0 || range.length < 0 || range.offset + range.length > h.size)) throw new ApplianceError('RANGE_INVALID', { size: h.size });
    return { size: h.size, stream: await this.vault.read(machineId, checkKind(kind), name, range) };
  }

  /** Reads a whole object or a range into memory (admin tools; the HTTP layer streams instead). */
  async get(machineId: string, kind: string, name: string, range?: ByteRange, view: ViewOptions = {}): Promise<Buffer> {
    const { stream } = await this.open(machineId, kind, name, range, view);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** One page in name order, after `after`; `next` when there is more. */
  list(machineId: string, kindText: string, opts: { after?: string; limit?: number } & ViewOptions = {}): ListResponse {
    const kind = checkKind(kindText);
    const limit = opts.limit ?? LIST_PAGE_DEFAULT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIST_PAGE_MAX) throw new ApplianceError('BAD_REQUEST', { reason: `limit must be from 1 to ${LIST_PAGE_MAX}` });
    if (opts.after !== undefined) checkName(opts.after);
    const rows = this.db
      .prepare(`SELECT name, size FROM objects WHERE machine_id = ? AND kind = ? AND name > ? ${opts.includePending ? '' : 'AND pending_deletion = 0'} ORDER BY name LIMIT ?`)
      .all(machineId, kind, opts.after ?? '', limit + 1) as { name: string; size: number }[];
    const page = rows.slice(0, limit);
    return rows.length > limit ? { objects: page, next: page[page.length - 1]!.name } : { objects: page };
  }

  /** Every object of a kind (admin tools); pages internally. */
  listAll(machineId: string, kind: string, view: ViewOptions = {}): { name: string; size: number }[] {
    const out: { name: string; size: number }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = this.list(machineId, kind, { limit: LIST_PAGE_MAX, ...(after ? { after } : {}), ...view });
      out.push(...page.objects);
      if (!page.next) return out;
      after = page.next;
    }
  }

  /** DELETE: a request, carried out DELETE_DELAY_MS later; the object is hidden from now on. */
  async requestDelete(machineId: string, kindText: string, nameText: string, actor: Actor = 'machine'): Promise<DeleteResponse> {
    const kind = checkKind(kindText);
    const name = checkName(nameText);
    return this.mutex.run(objectKey(machineId, kind, name), async () => {
      const now = this.clock.now();
      const applyAfter = now + DELETE_DELAY_MS;
      this.db.transaction(() => {
        const r = this.row(machineId, kind, name);
        if (!r || r.pending_deletion) throw new ApplianceError('NOT_FOUND', { what: `object ${kind}/${name}` });
        this.db.prepare('UPDATE objects SET pending_deletion = 1 WHERE machine_id = ? AND kind = ? AND name = ?').run(machineId, kind, name);
        this.db.prepare('UPDATE machines SET used_bytes = used_bytes - ? WHERE id = ?').run(r.size, machineId);
        this.db
          .prepare("INSERT INTO deletions (machine_id, kind, name, size, requested, apply_after, state, by) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)")
          .run(machineId, kind, name, r.size, now, applyAfter, actor);
      }).immediate();
      return { applyAfter: iso(applyAfter) };
    });
  }

  private row(machineId: string, kind: ObjectKind, name: string): ObjectRow | undefined {
    return this.db.prepare('SELECT name, size, created, pending_deletion FROM objects WHERE machine_id = ? AND kind = ? AND name = ?').get(machineId, kind, name) as ObjectRow | undefined;
  }

  /** Refuses an upload that would take the machine's visible bytes over its quota, and says so once. */
  private checkQuota(machineId: string, size: number): void {
    const m = this.machines.require(machineId);
    if (m.quotaBytes === null || m.usedBytes + size <= m.quotaBytes) return;
    this.alerts.raise(
      'QUOTA_EXCEEDED',
      m.id,
      `Machine ${machineLabel(m)} of ${m.user} reached its quota: ${m.usedBytes} of ${m.quotaBytes} bytes used, an upload of ${size} bytes was refused.`,
      'condition',
    );
    throw new ApplianceError('QUOTA_EXCEEDED', { used: m.usedBytes, quota: m.quotaBytes });
  }

  /** The same object uploaded again cancels its pending deletion (PROTOCOL.md §6). */
  private restore(machineId: string, kind: ObjectKind, name: string): void {
    const ok = this.db.transaction(() => {
      const d = this.db.prepare("SELECT id, size, state FROM deletions WHERE machine_id = ? AND kind = ? AND name = ? AND state IN ('pending', 'applying')").get(machineId, kind, name) as
        | { id: number; size: number; state: 'pending' | 'applying' }
        | undefined;
      // Another process (the admin CLI's `deletions apply`) is removing it: let the client retry.
      if (!d || d.state !== 'pending') return false;
      this.db.prepare("UPDATE deletions SET state = 'cancelled', decided = ?, decided_by = 'upload' WHERE id = ?").run(this.clock.now(), d.id);
      this.db.prepare('UPDATE objects SET pending_deletion = 0 WHERE machine_id = ? AND kind = ? AND name = ?').run(machineId, kind, name);
      this.db.prepare('UPDATE machines SET used_bytes = used_bytes + ? WHERE id = ?').run(d.size, machineId);
      return true;
    }).immediate();
    if (!ok) throw new ApplianceError('UNAVAILABLE');
    this.log.write('machine', 'deletion.cancel', machineId, { kind, name, by: 'upload' });
  }
}
