import type { ChangeRow } from '../catalog/index.js';
import type { FileProblem } from '../jobs/backup/Archiver.js';
import { changed, failed, fresh, protectedAt, unstable, type RhythmRules } from './ChangeRhythm.js';

/** What one backup run covered: the paths it was asked for (null: everything, a full scan). */
export interface RunCoverage {
  readonly takenAt: number;
  readonly now: number;
  /** The queue rows the run covered. */
  readonly rows: readonly ChangeRow[];
  readonly problems: readonly FileProblem[];
  /** Source folders that could not be reached: paths below them stay pending. */
  readonly unavailable: readonly string[];
  /** Paths below a held-back file's folder are not its business: only these were held back. */
  readonly heldBack: ReadonlySet<string>;
}

function below(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}/`) || path.startsWith(`${dir}\\`);
}

/**
 * The queue rows after a backup (pure): each covered path is protected, unless the backup says it
 * could not read it (failed, retried later), it kept changing (read again soon), it was held back
 * because it was not quiet yet, or its source folder was away. Problems about paths the queue did
 * not know (a full scan found them) become rows too, so they are retried and reported.
 */
export function settleRun(run: RunCoverage, existing: (path: string) => ChangeRow | undefined, r: RhythmRules): ChangeRow[] {
  const out = new Map<string, ChangeRow>();
  const problemOf = new Map(run.problems.map((p) => [p.path, p]));
  for (const row of run.rows) {
    if (run.heldBack.has(row.path)) continue;
    // Its folder is away (a drive, a share): it waits, without counting as a failure of the file.
    if (run.unavailable.some((d) => below(row.path, d))) out.set(row.path, { ...row, dueMs: run.now + r.awayRetryMs });
    if (out.has(row.path)) continue;
    const p = problemOf.get(row.path);
    out.set(row.path, p ? afterProblem(row, p, run.now, r) : protectedAt(row, run.takenAt, run.now, r));
  }
  for (const p of run.problems) {
    if (out.has(p.path) || run.heldBack.has(p.path) || p.kind === 'unavailable') continue;
    if (p.kind === 'vanished' || p.kind === 'skipped') continue;
    const row = existing(p.path) ?? fresh(p.path, run.now);
    out.set(p.path, afterProblem(row.pending ? row : changed(p.path, row, run.now, null, r), p, run.now, r));
  }
  return [...out.values()];
}

function afterProblem(row: ChangeRow, p: FileProblem, now: number, r: RhythmRules): ChangeRow {
  switch (p.kind) {
    case 'unreadable':
      return failed(row, now, { code: p.errno ?? 'EIO', reason: p.reason }, r);
    case 'changed':
      return unstable(row, now, r);
    default:
      // vanished (its deletion is what the snapshot holds), skipped (not a file we keep), unavailable (handled above)
      return protectedAt(row, now, now, r);
  }
}
