import type { ChangeRow } from '../catalog/index.js';

/**
 * When a changed file is backed up (docs/DECISIONS.md, "Continuous protection rhythm"). Pure: every
 * function maps a row and the time to the next row, so the rules are tested without a clock.
 * - A file is read once it has been quiet for `quietMs`: a save in several writes is read whole.
 *   One that is never quiet (written continuously) is read anyway `maxWaitMs` after its first
 *   change; if it changes while read, the snapshot keeps its previous version (see `unstable`).
 * - A file saved again and again gets versions at a slowing rhythm: the first at once, then after
 *   `intervalsMs[1]`, `intervalsMs[2]`... (a file saved 50 times in a minute gets two versions).
 *   The rhythm starts over once the file has been left alone for `streakResetMs`.
 * - A file that cannot be read (in use, permission denied) is tried again after `retryMs[n]`, and
 *   counts as failed (shown to the user and IT) from `failedAfter` attempts on.
 * - A file that keeps changing while read is read again after `unstableMs`, and after
 *   `unstableLimit` such reads counts as failed too.
 */
export interface RhythmRules {
  readonly quietMs: number;
  readonly maxWaitMs: number;
  readonly intervalsMs: readonly number[];
  readonly streakResetMs: number;
  readonly retryMs: readonly number[];
  readonly failedAfter: number;
  readonly unstableMs: number;
  readonly unstableLimit: number;
  /** A path whose source folder is away (a drive unplugged) is tried again after this. */
  readonly awayRetryMs: number;
  /** Protected rows are forgotten after this (it must exceed streakResetMs). */
  readonly keepMs: number;
  /** No due date lies further ahead than this: a clock that jumped back cannot stall the queue. */
  readonly maxAheadMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const DEFAULT_RHYTHM: RhythmRules = {
  quietMs: 1 * SECOND,
  maxWaitMs: 60 * SECOND,
  intervalsMs: [0, 10 * SECOND, 60 * SECOND, 5 * MINUTE],
  streakResetMs: 10 * MINUTE,
  retryMs: [30 * SECOND, 1 * MINUTE, 2 * MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE],
  failedAfter: 3,
  unstableMs: 2 * SECOND,
  unstableLimit: 5,
  awayRetryMs: 1 * MINUTE,
  keepMs: 15 * MINUTE,
  maxAheadMs: 2 * 60 * MINUTE,
};

function pick(list: readonly number[], i: number): number {
  return list[Math.min(Math.max(i, 0), list.length - 1)] ?? 0;
}

/** The earliest a new version may be taken, from the rhythm of the versions before it. */
function rhythmGate(row: ChangeRow | undefined, now: number, r: RhythmRules): { streak: number; gate: number } {
  const recent = row?.protectedMs != null && now - row.protectedMs < r.streakResetMs && now >= row.protectedMs;
  if (!recent) return { streak: 0, gate: 0 };
  return { streak: row.streak, gate: row.protectedMs! + pick(r.intervalsMs, row.streak) };
}

/** A change was seen (a watch event, or a scan that found the file different). */
export function changed(path: string, row: ChangeRow | undefined, now: number, size: number | null, r: RhythmRules): ChangeRow {
  const waiting = row?.pending === true;
  const { streak, gate } = rhythmGate(row, now, r);
  // A file that failed keeps its retry date: a file in use that keeps changing is not hammered.
  const retry = waiting && row.attempts > 0 ? row.dueMs : 0;
  const firstMs = waiting && row.firstMs !== null ? Math.min(row.firstMs, now) : now;
  const quiet = now - firstMs >= r.maxWaitMs ? now : now + r.quietMs;
  return {
    path,
    pending: true,
    firstMs,
    lastMs: now,
    dueMs: Math.min(Math.max(quiet, gate, retry), now + r.maxAheadMs),
    protectedMs: row?.protectedMs ?? null,
    streak,
    attempts: waiting ? row.attempts : 0,
    unstable: waiting ? row.unstable : 0,
    error: waiting ? row.error : null,
    size: size ?? row?.size ?? null,
  };
}

/**
 * A backup that began at `takenAt` stored this path (a version, or its deletion). A change seen
 * after `takenAt` may not be in it: the path then stays pending, at the rhythm's next date.
 */
export function protectedAt(row: ChangeRow, takenAt: number, now: number, r: RhythmRules): ChangeRow {
  const { streak } = rhythmGate(row, now, r);
  const next = { ...row, protectedMs: now, streak: streak + 1, attempts: 0, unstable: 0, error: null };
  // A change stamped after `now` was stamped before the clock was set back: the backup saw it.
  if (row.lastMs <= takenAt || row.lastMs > now) return { ...next, pending: false, firstMs: null, dueMs: now };
  const gate = now + pick(r.intervalsMs, next.streak);
  return { ...next, firstMs: takenAt, dueMs: Math.min(Math.max(row.lastMs + r.quietMs, gate), now + r.maxAheadMs) };
}

/** The path could not be read (in use, permission denied, name too long...). */
export function failed(row: ChangeRow, now: number, error: { code: string; reason: string }, r: RhythmRules): ChangeRow {
  const attempts = row.attempts + 1;
  return { ...row, pending: true, firstMs: row.firstMs ?? now, attempts, error, dueMs: now + pick(r.retryMs, attempts - 1) };
}

/** The file changed while it was read: read it again soon; past the limit it counts as failed. */
export function unstable(row: ChangeRow, now: number, r: RhythmRules): ChangeRow {
  const n = row.unstable + 1;
  if (n >= r.unstableLimit) return { ...failed(row, now, { code: 'CHANGING', reason: 'it keeps changing while it is read' }, r), unstable: n };
  return { ...row, pending: true, firstMs: row.firstMs ?? now, unstable: n, dueMs: now + r.unstableMs * n };
}

/** A new row for a path the queue did not know, as failed or unstable rows start from. */
export function fresh(path: string, now: number): ChangeRow {
  return { path, pending: true, firstMs: now, lastMs: now, dueMs: now, protectedMs: null, streak: 0, attempts: 0, unstable: 0, error: null, size: null };
}
