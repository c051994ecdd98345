import { auditedJob } from '../../audit/index.js';
import { rm } from 'node:fs/promises';
import { Repository, readConfig } from '../../repo/index.js';
import { FsStore } from '../../store/index.js';
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
  return auditedJob(repo, 'repair', () => repair(repo), (r) => ({ fields: { recoveredPacks: r.recoveredPacks, unreadablePacks: r.unreadablePacks.length } }));
}

async function repair(repo: Repository): Promise<RepairResult> {
  repo.catalog.reset();
  await repo.sync();
  const { adopted, unreadable } = await adoptOrphanPacks(repo);
  return { snapshots: repo.listSnapshots().length, packs: repo.catalog.listPacks().length, blobs: repo.catalog.blobCount(), recoveredPacks: adopted,
    unreadablePacks: unreadable };
}

/** Deletes this machine's catalog of the repository at `repoPath` (it is only a cache). */
export async function deleteCatalog(home: string, repoPath: string): Promise<void> {
  const { config } = await readConfig(await FsStore.open(repoPath));
  const file = Repository.catalogFile(home, config.repoId);
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
}
