import { isHavreError } from '../../errors/index.js';
import type { Repository } from '../../repo/index.js';
import { readPackHeader } from '../../repo/index.js';

/**
 * Packs in the store that neither an index nor the catalog knows (left by a backup killed before
 * it wrote its index, on this or another catalog) are read from their own headers and indexed.
 * Returns the packs whose header could not be read.
 */
export async function adoptOrphanPacks(repo: Repository): Promise<{ adopted: number; unreadable: string[] }> {
  const known = new Set(repo.catalog.listPacks().map((p) => p.packId));
  let adopted = 0;
  const unreadable: string[] = [];
  for (const { name, size } of await repo.store.list('data')) {
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
  return { adopted, unreadable };
}
