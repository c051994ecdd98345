import { dirname, resolve } from 'node:path';

/**
 * The paths that changed since the previous snapshot (continuous protection's queue): a backup
 * lists again only the folders that hold one of them, and every folder on the way down to them;
 * any other folder is carried over from the previous snapshot unread.
 */
export class DirtySet {
  private readonly changed = new Set<string>();
  /** Every folder that holds a changed path, at any depth. */
  private readonly above = new Set<string>();

  constructor(paths: Iterable<string>) {
    for (const p of paths) {
      const abs = resolve(p);
      this.changed.add(abs);
      for (let d = dirname(abs); !this.above.has(d); d = dirname(d)) {
        this.above.add(d);
        if (dirname(d) === d) break;
      }
    }
  }

  get size(): number {
    return this.changed.size;
  }

  /** Whether the folder must be listed again: it changed itself, or something below it did. */
  mustList(dir: string): boolean {
    return this.changed.has(dir) || this.above.has(dir);
  }

  has(path: string): boolean {
    return this.changed.has(path);
  }
}
