// Gathers changes for a short window and hands them out once per path. Two subscriptions report
// most changes twice (the twin that closes parcel's lost-event race, nested roots), and a copied
// folder is reported both by parcel and by our walk of it: one path, one change per batch.
import type { ChangeKind, FileChange } from './types.js';

/** The kind to report when `next` arrives for a path already holding `prev` in this batch.
 *  Parcel's own rule: a delete then a create is an update (the file was replaced). */
export function mergeKind(prev: ChangeKind, next: ChangeKind): ChangeKind {
  if (prev === next) return prev;
  if (prev === 'create') return next === 'delete' ? 'delete' : 'create';
  if (prev === 'delete') return 'update'; // deleted, then there again
  // an update, then a create reported late (the twin, or our walk of a new folder): it is new
  return next;
}

export class ChangeBatch {
  private readonly pending = new Map<string, ChangeKind>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (changes: FileChange[]) => void,
  ) {}

  add(path: string, kind: ChangeKind): void {
    const prev = this.pending.get(path);
    this.pending.set(path, prev === undefined ? kind : mergeKind(prev, kind));
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.size) return;
    const changes = [...this.pending].map(([path, kind]) => ({ path, kind }));
    this.pending.clear();
    this.deliver(changes);
  }

  /** Drops what is pending (close()). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}
