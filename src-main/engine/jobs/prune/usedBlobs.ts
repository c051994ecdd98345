import { HavreError } from '../../errors/index.js';
import type { Repository } from '../../repo/index.js';
import { loadAllSnapshots } from '../verify/index.js';

/**
 * Every blob id (hex) that a snapshot reaches: trees and file contents. Any damage aborts:
 * prune must never delete data because it could not read what uses it.
 */
export async function usedBlobs(repo: Repository): Promise<Set<string>> {
  const { snapshots, damaged } = await loadAllSnapshots(repo);
  if (damaged.length > 0) throw new HavreError('INTEGRITY', { what: `snapshot ${damaged[0]!.id.slice(0, 8)} (prune stopped; run verify)` });
  const used = new Set<string>();
  const stack = snapshots.map((s) => s.snapshot.tree);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (used.has(id)) continue;
    used.add(id);
    for (const n of (await repo.loadTree(id)).nodes) {
      if (n.type === 'file') for (const c of n.content) used.add(c);
      else if (n.type === 'dir') stack.push(n.subtree);
    }
  }
  return used;
}
