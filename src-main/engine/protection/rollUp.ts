import type { SnapshotRow } from '../catalog/index.js';

/** Continuous protection's snapshots carry this tag. */
export const CONTINUOUS_TAG = 'continuous';

export interface RolledUpSnapshot {
  readonly row: SnapshotRow;
  /** Continuous snapshots of the same hour that this one stands for (0 for a snapshot shown alone). */
  readonly hidden: number;
}

/**
 * The snapshot list as people read it: every snapshot taken by hand, and of continuous protection's
 * small snapshots the last of each hour (UTC), which stands for the others of that hour. Nothing is
 * deleted: `havre snapshots --all` and the restore timeline reach every version.
 */
export function rollUp(rows: readonly SnapshotRow[]): RolledUpSnapshot[] {
  const out: RolledUpSnapshot[] = [];
  let hour = '';
  let run: SnapshotRow[] = [];
  const flush = (): void => {
    if (run.length) out.push({ row: run.at(-1)!, hidden: run.length - 1 });
    run = [];
  };
  for (const r of rows) {
    if (!r.tags.includes(CONTINUOUS_TAG)) {
      flush();
      out.push({ row: r, hidden: 0 });
      continue;
    }
    const h = r.time.slice(0, 13);
    if (h !== hour) flush();
    hour = h;
    run.push(r);
  }
  flush();
  return out;
}
