// Which indexed snapshots still exist, in order, so a version's run of snapshots [from, to] can be
// told in snapshots people can open: a run whose snapshots were all forgotten is no version any more.
import type { HistorySnapshotRow } from '../../catalog/index.js';

export interface VisibleRun {
  readonly first: { id: string; time: string };
  readonly last: { id: string; time: string };
  readonly count: number;
}

export class Timeline {
  private readonly seqs: number[] = [];
  private readonly snaps: { id: string; time: string }[] = [];
  /** The newest indexed seq (open versions run to it). */
  readonly maxSeq: number;
  /** The newest snapshot that still exists. */
  readonly newest: { id: string; time: string } | undefined;

  /** `indexed` in seq order; `times` maps the ids that still exist to their ISO time. */
  constructor(indexed: readonly HistorySnapshotRow[], times: ReadonlyMap<string, string>) {
    for (const r of indexed) {
      const time = times.get(r.id);
      if (time === undefined) continue;
      this.seqs.push(r.seq);
      this.snaps.push({ id: r.id, time });
    }
    this.maxSeq = indexed.at(-1)?.seq ?? 0;
    this.newest = this.snaps.at(-1);
  }

  /** First index whose seq ≥ seq. */
  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The existing snapshots of the run [from, to] (to null: to the newest), or null when none is left. */
  run(from: number, to: number | null): VisibleRun | null {
    const lo = this.lowerBound(from);
    const hi = this.lowerBound((to ?? this.maxSeq) + 1) - 1;
    if (lo > hi) return null;
    return { first: this.snaps[lo]!, last: this.snaps[hi]!, count: hi - lo + 1 };
  }
}
