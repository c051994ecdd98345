import type { Repository } from '../../repo/index.js';
import { readPackHeader } from '../../repo/index.js';
import { isHavreError } from '../../errors/index.js';

export interface RepairResult {
  readonly snapshots: number;
  readonly packs: number;
  readonly blobs: number;
  /** Packs no index named (left by an interrupted backup), recovered from their own headers. */
  readonly recoveredPacks: number;
  readonly unreadablePacks: string[];
}

/** Rebuilds the catalog from the repository alone: the catalog is only a cache (DESIGN.md §2). */
export async function repairCatalog(repo: Repository): Promise<RepairResult> {
  repo.catalog.reset();
  await repo.sync();
  const known = new Set(repo.catalog.listPacks().map((p) => p.packId));
  let recoveredPacks = 0;
  const unreadablePacks: string[] = [];
  for (const { name, size } of await repo.store.list('data')) {
    if (known.has(name)) continue;
    try {
      repo.catalog.addPack(name, size, await readPackHeader(repo.store, name, size, repo.keys.enc));
      recoveredPacks++;
    } catch (e) {
      if (!isHavreError(e)) throw e;
      unreadablePacks.push(name);
    }
  }
  // Recovered packs get an index now, so the repository itself names them too.
  await repo.flushIndex();
  return { snapshots: repo.listSnapshots().length, packs: repo.catalog.listPacks().length, blobs: repo.catalog.blobCount(), recoveredPacks, unreadablePacks };
}
