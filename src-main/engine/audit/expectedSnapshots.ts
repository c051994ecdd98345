// Rollback detection (SECURITY.md invariant 2): the repository's storage side can delete the newest
// snapshots, or put back an older copy of the whole repository, and every object left is still
// authentic. The audit log, kept on the workstation and authenticated with K_log, remembers which
// snapshots this machine wrote and which it forgot; any other snapshot missing from the repository
// was removed behind Havre's back.
import type { ChainedEvent } from '../appliance/protocol.js';

/**
 * The snapshot ids the events say must still exist: written by a backup, not forgotten since. A
 * forget whose list of ids was cut short (more than its event holds) forgets everything before it,
 * since which ones went is not known: never a false alarm, at the price of checking less.
 */
export function expectedSnapshots(events: readonly ChainedEvent[]): Set<string> {
  const expected = new Set<string>();
  const forgotten = (ids: unknown, count: unknown): void => {
    const list = Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
    if (typeof count === 'number' && list.length < count) expected.clear();
    else for (const id of list) expected.delete(id);
  };
  for (const e of events) {
    const d = e.data;
    // Recorded before a forget deletes anything, so a forget killed halfway is no alarm.
    if (e.type === 'snapshots.forgetting') forgotten(d.ids, d.count);
    if (e.type !== 'job.done') continue;
    if (d.job === 'backup' && d.wroteSnapshot === true && typeof d.snapshot === 'string') expected.add(d.snapshot);
    else if (d.job === 'forget') forgotten(d.forgottenIds, d.forgotten);
  }
  return expected;
}
