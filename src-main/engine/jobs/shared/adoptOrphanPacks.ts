import { isHavreError } from '../../errors/index.js';
import type { Repository } from '../../repo/index.js';
import { readPackHeader } from '../../repo/index.js';

/**
 * Brings the catalog's packs in line with the store before a job writes (backup, prune, repair),
 * from one listing of the packs:
 * - a pack the catalog knows but the store does not hold, or holds at another size (deleted or
 *   truncated, a repository copied halfway, an older index put back), is forgotten, so that this
 *   job stores its blobs again instead of deduplicating against data that is not there;
 * - a pack in the store that neither an index nor the catalog knows (left by a backup killed
 *   before it wrote its index, on this or another catalog) is read from its own header and indexed.
 * Returns how many packs were adopted, the packs whose header could not be read, and how many
 * the catalog forgot.
 */
export async function adoptOrphanPacks(repo: Repository): Promise<{ adopted: number; unreadable: string[]; forgotten: number }> {
  const stored = await repo.store.list('data');
  const sizes = new Map(stored.map((o) => [o.name, o.size]));
  const gone = repo.catalog.listPacks().filter((p) => sizes.get(p.packId) !== p.size).map((p) => p.packId);
  if (gone.length > 0) repo.catalog.removePacks(gone);
  const known = new Set(repo.catalog.listPacks().map((p) => p.packId));
  let adopted = 0;
  const unreadable: string[] = [];
  for (const { name, size } of stored) {
    if (known.has(name)) continue;
    try {
      repo.catalog.addPack(name, size, await readPackHeader(repo.store, name, size, repo.keys.enc));
      adopted++;
    } catch (e) {
      if (!isHavreError(e)) throw e;
      unreadable.push(name);
    }
  }
  await repo.flushIndex();
  return { adopted, unreadable, forgotten: gone.length };
}
