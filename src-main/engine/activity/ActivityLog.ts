// The activity log the desktop app shows, over what the engine has today: backups are read back
// from the repository's snapshots (they outlive the engine), everything else — restores, failed
// backups, pauses, alerts — is kept in memory by this engine run, newest 5,000. Issue 7's audit log
// persists every event, hash-chained, behind the same contract (activity:list, activity:added).
import type { ActivityEvent, ActivityPage, ActivityQuery } from '../../ipc/contract.js';
import type { SnapshotRow } from '../catalog/index.js';

const KEPT = 5_000;

/** Case and accents aside, as the search box promises. */
function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** A backup as its snapshot tells it (persisted: the repository holds it). */
export function snapshotEvent(s: SnapshotRow): ActivityEvent {
  const n = (k: string): number => s.summary[k] ?? 0;
  return {
    id: `snapshot-${s.id}`, time: s.time, kind: 'backup', action: 'backup.done', outcome: n('unreadable') > 0 ? 'partial' : 'ok',
    files: n('files'), bytes: n('bytes'), ...(n('unreadable') > 0 ? { skipped: n('unreadable') } : {}), snapshotId: s.id,
    subject: s.paths.join(', '), persisted: true,
  };
}

export function matchesQuery(e: ActivityEvent, q: ActivityQuery): boolean {
  if (q.kinds && q.kinds.length > 0 && !q.kinds.includes(e.kind)) return false;
  if (q.outcomes && q.outcomes.length > 0 && !q.outcomes.includes(e.outcome)) return false;
  const words = fold(q.search ?? '').split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return true;
  const text = fold([e.subject ?? '', e.snapshotId ?? '', e.action, e.error?.message ?? '', e.error?.messageFr ?? '', e.error?.code ?? ''].join('\n'));
  return words.every((w) => text.includes(w));
}

export class ActivityLog {
  private readonly events: ActivityEvent[] = [];
  private next = 1;

  /** Records an event of this run and returns it (with its id), to be sent live. */
  add(e: Omit<ActivityEvent, 'id' | 'persisted' | 'time'> & { time?: string }): ActivityEvent {
    const event: ActivityEvent = { ...e, id: `run-${process.pid}-${this.next++}`, time: e.time ?? new Date().toISOString(), persisted: false };
    this.events.push(event);
    if (this.events.length > KEPT) this.events.splice(0, this.events.length - KEPT);
    return event;
  }

  /** This run's events with the snapshots' backups, newest first, filtered and paged. */
  list(q: ActivityQuery, snapshots: readonly SnapshotRow[]): ActivityPage {
    const all = [...snapshots.map(snapshotEvent), ...this.events].filter((e) => matchesQuery(e, q));
    all.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1));
    return { total: all.length, events: all.slice(q.offset, q.offset + q.limit) };
  }
}
