import type { Repository } from '../../repo/index.js';
import { adoptOrphanPacks } from '../shared/adoptOrphanPacks.js';

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
  const { adopted, unreadable } = await adoptOrphanPacks(repo);
  return { snapshots: repo.listSnapshots().length, packs: repo.catalog.listPacks().length, blobs: repo.catalog.blobCount(), recoveredPacks: adopted,
    unreadablePacks: unreadable };
}
