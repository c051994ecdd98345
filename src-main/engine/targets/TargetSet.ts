// A repository kept on several targets at once, seen by the engine as one Store (docs/TARGETS.md).
//  - Writes go to the primary (which must take them) and, for "together" copies, to each copy at
//    the same time; a copy that fails is left behind for this run and what it lacks waits in the
//    catalog (state pending), in write order.
//  - A copy receives an index only when no pack before it waits, and a snapshot only when no pack
//    or index before it waits: a snapshot on a target is therefore always complete there.
//  - Reads try the nearest target first and fall back to the others when an object is missing,
//    damaged or out of reach.
import type { TargetRows } from '../catalog/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { isLockingStore, objectName, type ByteRange, type ObjectInfo, type ObjectKind, type PutReceipt, type Store } from '../store/index.js';
import { isAwayError, readOrder, type Target } from './Target.js';

/** What a copy must already hold before an object of this kind may be sent to it. */
export const PREREQUISITES: Record<ObjectKind, readonly ObjectKind[]> = {
  config: [], keys: [], data: [], index: ['data'], snapshots: ['data', 'index'],
};

export interface TargetSetOptions {
  /** Read-only commands: list from a copy when the primary is out of reach. */
  readonly listFromCopies?: boolean;
}

export class TargetSet implements Store {
  readonly location: string;
  readonly primary: Target;
  readonly copies: readonly Target[];
  private rowsRef: TargetRows | null = null;
  private readonly away = new Map<string, unknown>();
  /** The target the last list() answered from (a copy when the primary was away). */
  listedFrom: string;

  constructor(readonly targets: readonly Target[], private readonly opts: TargetSetOptions = {}) {
    const primary = targets.find((t) => t.role === 'primary') ?? targets[0];
    if (!primary) throw new HavreError('INTERNAL', { reason: 'a target set needs at least one target' });
    this.primary = primary;
    this.copies = targets.filter((t) => t !== primary);
    this.location = primary.store.location;
    this.listedFrom = primary.name;
  }

  /** A new run tries every target again. */
  beginRun(): void {
    this.away.clear();
    this.listedFrom = this.primary.name;
  }

  /** Starts recording per-target state in the catalog (once the repository is open). */
  bind(rows: TargetRows): void {
    this.rowsRef = rows;
  }

  get rows(): TargetRows | null {
    return this.rowsRef;
  }

  target(name: string): Target | undefined {
    return this.targets.find((t) => t.name === name);
  }

  /** Targets given up on in this run, with the error that made us stop. */
  awayTargets(): ReadonlyMap<string, unknown> {
    return this.away;
  }

  isAway(t: Target): boolean {
    return this.away.has(t.name);
  }

  /** Stops using a target for the rest of this run (it is out of reach or refusing). */
  giveUp(t: Target, e: unknown): void {
    if (!this.away.has(t.name)) this.away.set(t.name, e);
  }

  /** Targets whose state the catalog tracks: every copy, and a primary with Object Lock. */
  tracked(t: Target): boolean {
    return t.role === 'copy' || isLockingStore(t.store);
  }

  // ---- writes --------------------------------------------------------------------------------

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<PutReceipt | void> {
    const copyWrites = this.copies.map((t) => this.putCopy(t, kind, name, bytes));
    let receipt: PutReceipt | void;
    try {
      receipt = await this.primary.store.put(kind, name, bytes);
    } finally {
      await Promise.all(copyWrites); // never rejects: a copy's failure is recorded, not thrown
    }
    if (this.rowsRef && this.tracked(this.primary)) this.rowsRef.set(this.primary.name, kind, name, bytes.length, 'stored', receipt?.retainUntil ?? null);
    return receipt;
  }

  /** Whether a copy may receive an object of this kind now, or must wait for what comes before. */
  private mayStoreNow(rows: TargetRows, t: Target, kind: ObjectKind): boolean {
    const before = PREREQUISITES[kind];
    if (before.length === 0) return true;
    // Until the copy has been listed, objects written before this run may be missing there.
    return rows.isSeeded(t.name) && !rows.hasPending(t.name, before);
  }

  private async putCopy(t: Target, kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void> {
    const rows = this.rowsRef;
    if (!rows) return; // not bound yet (opening): the copy is seeded by listing later
    if (rows.get(t.name, kind, name)?.state === 'stored') return;
    // Pending first: a crash during the upload leaves a row that the next catch-up finishes.
    rows.set(t.name, kind, name, bytes.length, 'pending');
    if (t.timing === 'after' || this.away.has(t.name) || !this.mayStoreNow(rows, t, kind)) return;
    try {
      const r = await t.store.put(kind, name, bytes);
      rows.set(t.name, kind, name, bytes.length, 'stored', r?.retainUntil ?? null);
    } catch (e) {
      this.giveUp(t, e);
    }
  }

  /**
   * Deletion on every target. The primary must accept it (or defer it under Object Lock); a copy
   * that cannot delete now keeps the object in state "deleting" and a later catch-up finishes.
   */
  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    try {
      await this.primary.store.requestDelete(kind, name);
      if (this.rowsRef && this.tracked(this.primary)) this.rowsRef.remove(this.primary.name, kind, name);
    } catch (e) {
      const until = lockedUntil(e);
      if (until === undefined || !this.rowsRef) throw e;
      this.rowsRef.set(this.primary.name, kind, name, 0, 'deleting', until);
    }
    for (const t of this.copies) await this.deleteOnCopy(t, kind, name);
  }

  private async deleteOnCopy(t: Target, kind: ObjectKind, name: string): Promise<void> {
    const rows = this.rowsRef;
    const row = rows?.get(t.name, kind, name);
    if (rows && row?.state === 'pending') {
      rows.remove(t.name, kind, name); // never sent: nothing to delete
      return;
    }
    if (this.away.has(t.name)) {
      rows?.set(t.name, kind, name, row?.size ?? 0, 'deleting');
      return;
    }
    try {
      await t.store.requestDelete(kind, name);
      rows?.remove(t.name, kind, name);
    } catch (e) {
      const until = lockedUntil(e);
      // A push-only key may not delete: the object waits (hidden) for the bucket's lifecycle rules.
      if (until === undefined && !isHavreError(e, 'S3_FORBIDDEN')) {
        if (!isAwayError(e)) throw e;
        this.giveUp(t, e);
      }
      rows?.set(t.name, kind, name, row?.size ?? 0, 'deleting', until ?? null);
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * Targets worth asking for an object, nearest first: not away, and not known to lack it. The
   * primary is always asked, last when it is away: it may still serve what waits in its local spool.
   */
  private readers(kind: ObjectKind, name: string, exclude?: Target): Target[] {
    const order = readOrder(this.targets).filter((t) => {
      if (t === exclude) return false;
      if (t.role === 'primary') return true;
      if (this.away.has(t.name)) return false;
      const state = this.rowsRef?.get(t.name, kind, name)?.state;
      return state !== 'pending' && state !== 'deleting';
    });
    const primaryAway = this.away.has(this.primary.name) && order.includes(this.primary);
    return primaryAway ? [...order.filter((t) => t !== this.primary), this.primary] : order;
  }

  get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    // Whole metadata objects are checked here so a damaged copy falls back to a good one; packs
    // are checked blob by blob by the repository (and alternates() gives it the other copies).
    return this.readFrom(this.readers(kind, name), kind, name, range, range === undefined && kind !== 'data');
  }

  /** An object from any target but `exclude`, always checked against its name (copies never spread damage). */
  readVerified(kind: ObjectKind, name: string, exclude: Target): Promise<Buffer> {
    return this.readFrom(this.readers(kind, name, exclude), kind, name, undefined, true);
  }

  private async readFrom(order: Target[], kind: ObjectKind, name: string, range: ByteRange | undefined, verify: boolean): Promise<Buffer> {
    let first: unknown = null;
    for (const t of order) {
      try {
        const bytes = await t.store.get(kind, name, range);
        if (verify && objectName(bytes) !== name) {
          first ??= new HavreError('INTEGRITY', { what: `${kind}/${name.slice(0, 12)} on ${t.name}` });
          continue;
        }
        return bytes;
      } catch (e) {
        if (isAwayError(e)) this.giveUp(t, e);
        else if (!isHavreError(e, 'OBJECT_MISSING') && !isHavreError(e, 'INTEGRITY')) throw e;
        first ??= e;
      }
    }
    throw first ?? new HavreError('OBJECT_MISSING', { kind, name: name.slice(0, 12) });
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    let first: unknown = null;
    for (const t of this.readers(kind, name)) {
      try {
        const info = await t.store.head(kind, name);
        if (info) return info;
        if (t.role === 'primary') return null; // the primary is the reference for what exists
      } catch (e) {
        if (!isAwayError(e)) throw e;
        this.giveUp(t, e);
        first ??= e;
      }
    }
    if (first) throw first;
    return null;
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const order = [this.primary, ...(this.opts.listFromCopies ? readOrder(this.copies) : [])].filter((t) => !this.away.has(t.name));
    let first: unknown = null;
    for (const t of order) {
      try {
        const listed = await t.store.list(kind);
        this.listedFrom = t.name;
        // Objects being deleted (held by Object Lock) are gone as far as the repository goes.
        const deleting = this.rowsRef && this.tracked(t) ? this.rowsRef.names(t.name, kind, 'deleting') : null;
        return deleting && deleting.size > 0 ? listed.filter((o) => !deleting.has(o.name)) : listed;
      } catch (e) {
        if (!isAwayError(e)) throw e;
        this.giveUp(t, e);
        first ??= e;
      }
    }
    throw first ?? new HavreError('TARGETS_UNREACHABLE', { reasons: [...this.away.keys()].join(', ') });
  }

  alternates(): readonly Store[] {
    return readOrder(this.targets).filter((t) => t !== this.primary && !this.away.has(t.name)).map((t) => t.store);
  }

  cleanup(olderThanMs: number): Promise<number> {
    return this.primary.store.cleanup ? this.primary.store.cleanup(olderThanMs) : Promise.resolve(0);
  }
}

/** The Object Lock end date of an S3_OBJECT_LOCKED error (ms), or undefined for other errors. */
export function lockedUntil(e: unknown): number | undefined {
  if (!isHavreError(e, 'S3_OBJECT_LOCKED')) return undefined;
  const t = Date.parse(String(e.params.until));
  return Number.isFinite(t) ? t : Date.now();
}
