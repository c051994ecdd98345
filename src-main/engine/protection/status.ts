import type { FailedFile, IpcError, PauseState, ProtectionActivity, ProtectionStatus, TargetSuccess, WatchMode } from '../../ipc/contract.js';
import type { Catalog, ChangeRow } from '../catalog/index.js';
import { HavreError } from '../errors/index.js';
import type { RhythmRules } from './ChangeRhythm.js';

export interface StatusInput {
  readonly catalog: Catalog | null;
  readonly rules: RhythmRules;
  readonly now: number;
  /** Targets, primary first. */
  readonly targets: readonly string[];
  readonly mode: WatchMode;
  /** What runs now; null: idle or waiting, told by the queue. */
  readonly activity: ProtectionActivity | null;
  readonly pause: PauseState | null;
  readonly warnings: readonly IpcError[];
}

/** The dashboard's figures, from the queue and the snapshots in the catalog. */
export function buildStatus(i: StatusInput): ProtectionStatus {
  const counts = i.catalog?.changes.counts(i.rules.failedAfter) ?? { pending: 0, pendingBytes: 0, failed: 0, oldestMs: null };
  const snapshots = i.catalog?.listSnapshots() ?? [];
  const latest = snapshots.at(-1);
  return {
    mode: i.mode,
    activity: i.activity ?? (counts.pending > 0 ? 'waiting' : 'idle'),
    protectedFiles: latest?.summary.files ?? 0,
    pendingFiles: counts.pending,
    pendingBytes: counts.pendingBytes,
    failedFiles: counts.failed,
    // A clock set back may leave a change "in the future": it is not older than now.
    oldestPendingChange: counts.oldestMs === null ? null : new Date(Math.min(counts.oldestMs, i.now)).toISOString(),
    lastSuccess: i.targets.map((t, n) => lastOn(i.catalog, t, n === 0, snapshots)),
    pause: i.pause,
    warnings: [...i.warnings],
  };
}

/** The newest snapshot a target holds whole: the primary holds every snapshot the catalog knows; a copy, those sent to it. */
function lastOn(catalog: Catalog | null, target: string, primary: boolean, snapshots: readonly { id: string; time: string }[]): TargetSuccess {
  for (let k = snapshots.length - 1; k >= 0; k--) {
    const s = snapshots[k]!;
    if (primary || catalog?.targets.get(target, 'snapshots', s.id)?.state === 'stored') return { target, time: s.time };
  }
  return { target, time: null };
}

/** Files that could not be backed up after the rules' number of attempts, as the user sees them. */
export function failedFiles(rows: readonly ChangeRow[], rules: RhythmRules): FailedFile[] {
  return rows.filter((r) => r.attempts >= rules.failedAfter).map((r) => {
    const e = new HavreError('FILE_UNREADABLE', { path: r.path, attempts: r.attempts, reason: r.error?.reason ?? 'unknown' });
    return { path: r.path, code: r.error?.code ?? 'EIO', message: e.userMessage('en'), messageFr: e.userMessage('fr'), attempts: r.attempts,
      lastAttempt: new Date(r.dueMs - (rules.retryMs[Math.min(r.attempts - 1, rules.retryMs.length - 1)] ?? 0)).toISOString() };
  });
}
