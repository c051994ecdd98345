// Bringing a copy up to date (docs/TARGETS.md): list it once to know what it holds ("seeding"),
// send what waits in write order, finish deletions that Object Lock held back, and extend the
// locks of objects that must outlive them. Every step is resumable: the catalog rows say what is
// done, and the store's put never sends an object that is already there.
import type { TargetRows } from '../catalog/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { Limit } from '../jobs/shared/limit.js';
import { isLockingStore, OBJECT_KINDS, objectName, type ObjectKind } from '../store/index.js';
import { isAwayError, type Target } from './Target.js';
import { lockedUntil, PREREQUISITES, type TargetSet } from './TargetSet.js';

export interface CatchUpOptions {
  /** Uploads in flight at once (each holds one object, up to a 16 MiB pack, in memory); default: the target's. */
  readonly parallel?: number;
  /** Lock extensions done in one run at most: a first run over a big seeded copy is spread out. */
  readonly maxLockExtensions?: number;
  readonly onProgress?: (p: { target: string; sent: number; bytes: number; left: number }) => void;
}

export interface CatchUpResult {
  readonly target: string;
  /** Objects sent in this run, and their bytes (not those the copy turned out to hold already). */
  readonly sent: number;
  readonly bytes: number;
  /** Objects still waiting for this target. */
  readonly pending: number;
  readonly pendingBytes: number;
  /** Objects that could not be read intact from any other target (verify says which). */
  readonly unreadable: number;
  readonly deleted: number;
  readonly locksExtended: number;
  /** Why the run stopped early (the target or the source went away), if it did. */
  readonly error: HavreError | null;
}

const DAY_MS = 86_400_000;

function asHavreError(e: unknown): HavreError {
  return isHavreError(e) ? e : new HavreError('INTERNAL', { reason: e instanceof Error ? e.message : String(e) }, { cause: e });
}

/** Records what the copy holds, from listings of it and of the primary. */
export async function seedTarget(set: TargetSet, rows: TargetRows, t: Target): Promise<void> {
  const primary = new Map<ObjectKind, Map<string, number>>();
  const there = new Map<ObjectKind, Map<string, number>>();
  for (const kind of OBJECT_KINDS) {
    primary.set(kind, new Map((await set.primary.store.list(kind)).map((o) => [o.name, o.size])));
    there.set(kind, t === set.primary ? primary.get(kind)! : new Map((await t.store.list(kind)).map((o) => [o.name, o.size])));
  }
  rows.transaction(() => {
    // OBJECT_KINDS is in dependency order (config, keys, data, index, snapshots): the rows' order.
    for (const kind of OBJECT_KINDS) {
      const mine = primary.get(kind)!;
      const theirs = there.get(kind)!;
      for (const [name, size] of mine) {
        const row = rows.get(t.name, kind, name);
        if (theirs.has(name)) {
          if (row?.state !== 'stored') rows.set(t.name, kind, name, size, 'stored');
        } else if (row?.state !== 'deleting') {
          rows.set(t.name, kind, name, size, 'pending');
        }
      }
      // On the copy but no longer in the repository (pruned while the copy was away): delete it
      // there too, once its lock allows.
      for (const [name, size] of theirs) if (!mine.has(name)) rows.set(t.name, kind, name, size, 'deleting');
    }
    rows.markSeeded(t.name, Date.now());
  });
}

/** Sends what waits for `t`, then finishes held-back deletions and extends locks. */
export async function catchUp(set: TargetSet, rows: TargetRows, t: Target, opts: CatchUpOptions = {}): Promise<CatchUpResult> {
  let sent = 0;
  let bytes = 0;
  let unreadable = 0;
  let deleted = 0;
  let locksExtended = 0;
  let failure: unknown = set.awayTargets().get(t.name) ?? null;
  const result = (): CatchUpResult => {
    const c = rows.counts(t.name);
    return { target: t.name, sent, bytes, pending: c.pending, pendingBytes: c.pendingBytes, unreadable, deleted, locksExtended, error: failure === null ? null : asHavreError(failure) };
  };
  if (failure !== null) return result();
  try {
    if (!rows.isSeeded(t.name)) await seedTarget(set, rows, t);
  } catch (e) {
    if (!isAwayError(e)) throw e;
    failure = e;
    return result();
  }

  const parallel = Math.max(1, opts.parallel ?? t.parallel ?? 3);
  const limit = new Limit(parallel);
  const inFlight = new Set<Promise<void>>();
  const sendOne = async (kind: ObjectKind, name: string, seq: number): Promise<void> => {
    // An index or snapshot goes only once everything written before it is there.
    if (rows.hasPendingBefore(t.name, seq, PREREQUISITES[kind])) return;
    let data: Buffer;
    try {
      data = await set.readVerified(kind, name, t);
    } catch (e) {
      if (isHavreError(e, 'OBJECT_MISSING')) {
        rows.remove(t.name, kind, name); // pruned since: nothing to send
        return;
      }
      if (isHavreError(e, 'INTEGRITY')) {
        unreadable++;
        return;
      }
      failure ??= e; // the source went away
      return;
    }
    if (objectName(data) !== name) {
      unreadable++;
      return;
    }
    try {
      const r = await t.store.put(kind, name, data);
      rows.set(t.name, kind, name, data.length, 'stored', r?.retainUntil ?? null);
      // Already there (a killed run's last upload that landed after all): stored, but not sent now.
      if (r?.uploaded !== false) {
        sent++;
        bytes += data.length;
      }
      opts.onProgress?.({ target: t.name, sent, bytes, left: rows.counts(t.name).pending });
    } catch (e) {
      set.giveUp(t, e);
      failure ??= e;
    }
  };

  let after = 0;
  for (;;) {
    const batch = rows.queue(t.name, after, 256);
    if (batch.length === 0 || failure !== null) break;
    for (const row of batch) {
      after = row.seq;
      if (failure !== null) break;
      const kind = row.kind as ObjectKind;
      if (kind === 'data') {
        const p = limit.run(() => sendOne(kind, row.name, row.seq)).finally(() => inFlight.delete(p));
        inFlight.add(p);
        while (inFlight.size >= 2 * parallel) await Promise.race(inFlight);
      } else {
        await Promise.all(inFlight); // the packs before it first
        await sendOne(kind, row.name, row.seq);
      }
    }
  }
  await Promise.all(inFlight);
  if (failure !== null) return result();

  try {
    deleted = await finishDeletions(rows, t);
    locksExtended = await extendLocks(rows, t, opts.maxLockExtensions ?? 5000);
  } catch (e) {
    if (!isAwayError(e)) throw e;
    set.giveUp(t, e);
    failure = e;
  }
  return result();
}

/** Deletes what was waiting for its lock to end; returns how many went. */
export async function finishDeletions(rows: TargetRows, t: Target): Promise<number> {
  const now = isLockingStore(t.store) ? t.store.now() : Date.now();
  let n = 0;
  for (const row of rows.deletionDue(t.name, now)) {
    try {
      await t.store.requestDelete(row.kind as ObjectKind, row.name);
      rows.remove(t.name, row.kind, row.name);
      n++;
    } catch (e) {
      if (isHavreError(e, 'S3_FORBIDDEN')) break; // a push-only key: the bucket's lifecycle rules reclaim space
      const until = lockedUntil(e);
      if (until === undefined) throw e;
      rows.set(t.name, row.kind, row.name, row.size, 'deleting', until);
    }
  }
  return n;
}

/**
 * Keeps every live object locked (as Kopia's maintenance does): a lock that ends within half the
 * policy's period is moved to a full period from now. Objects being deleted are left to expire.
 */
export async function extendLocks(rows: TargetRows, t: Target, max: number): Promise<number> {
  const store = t.store;
  if (!isLockingStore(store) || !store.lockPolicy) return 0;
  const period = store.lockPolicy.days * DAY_MS;
  const now = store.now();
  let n = 0;
  for (const row of rows.lockDue(t.name, now + period / 2)) {
    if (n >= max) break;
    const until = now + period;
    try {
      await store.extendLock(row.kind as ObjectKind, row.name, until);
    } catch (e) {
      if (!isHavreError(e, 'OBJECT_MISSING')) throw e;
      rows.set(t.name, row.kind, row.name, row.size, 'pending'); // gone from the copy: send it again
      continue;
    }
    rows.setRetainUntil(t.name, row.kind, row.name, until);
    n++;
  }
  return n;
}
