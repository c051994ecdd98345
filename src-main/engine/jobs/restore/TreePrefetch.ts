import type { Repository, Tree } from '../../repo/index.js';
import { Limit } from '../shared/limit.js';

/**
 * Trees loaded ahead of the restore's walk: when a folder is listed, its subfolders' trees are
 * requested at once (a few at a time), so a store with a round trip per request (S3, the
 * appliance) is not asked for one folder after another. Bounded: past `max` waiting trees, the
 * walk loads on demand.
 */
export class TreePrefetch {
  private readonly ahead = new Map<string, Promise<Tree>>();
  private readonly limit: Limit;

  constructor(private readonly repo: Repository, inFlight = 8, private readonly max = 256) {
    this.limit = new Limit(inFlight);
  }

  /** Starts loading these trees, as far as the bound allows. */
  warm(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.ahead.size >= this.max) return;
      if (this.ahead.has(id)) continue;
      const p = this.limit.run(() => this.repo.loadTree(id));
      p.catch(() => undefined); // reported by get(), when the walk reaches it
      this.ahead.set(id, p);
    }
  }

  /** The tree, from what was loaded ahead or read now. */
  get(id: string): Promise<Tree> {
    const p = this.ahead.get(id);
    if (!p) return this.repo.loadTree(id);
    this.ahead.delete(id);
    return p;
  }
}
