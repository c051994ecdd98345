import { auditedJob } from '../../audit/index.js';
import type { BlobType, PackEntry } from '../../catalog/index.js';
import type { IndexedPack, Repository } from '../../repo/index.js';
import { PackWriter } from '../../repo/index.js';
import { adoptOrphanPacks } from '../shared/adoptOrphanPacks.js';
import { usedBlobs } from './usedBlobs.js';

export interface PruneOptions {
  /** A pack is rewritten when more than this share of its bytes is unused. */
  readonly maxUnusedPercent?: number;
  readonly dryRun?: boolean;
}

export interface PruneResult {
  readonly packsDeleted: number;
  readonly packsRewritten: number;
  readonly packsWritten: number;
  readonly bytesFreed: number;
  readonly blobsRemoved: number;
  readonly dryRun: boolean;
}

/**
 * Removes data no snapshot uses. Order keeps the repository valid at every step: new packs first,
 * then one complete new index, then the old indexes, then the packs nobody names any more.
 */
export async function runPrune(repo: Repository, opts: PruneOptions = {}): Promise<PruneResult> {
  if (opts.dryRun) return prune(repo, opts);
  return auditedJob(repo, 'prune', () => prune(repo, opts), (r) => ({
    fields: { packsDeleted: r.packsDeleted, packsRewritten: r.packsRewritten, bytesFreed: r.bytesFreed },
  }));
}

async function prune(repo: Repository, opts: PruneOptions): Promise<PruneResult> {
  await repo.sync();
  await adoptOrphanPacks(repo);
  const used = await usedBlobs(repo);
  const maxUnused = (opts.maxUnusedPercent ?? 10) / 100;

  const keep: IndexedPack[] = [];
  const drop: string[] = [];
  const rewrite: { packId: string; live: PackEntry[] }[] = [];
  let bytesFreed = 0;
  let blobsRemoved = 0;
  for (const pack of repo.catalog.listPacks()) {
    const entries = repo.catalog.packEntries(pack.packId);
    // A blob is live here only if it is used and this pack is where the catalog reads it from.
    const live = entries.filter((e) => used.has(e.id.toString('hex')) && repo.catalog.findBlob(e.id)?.packId === pack.packId);
    const liveBytes = live.reduce((n, e) => n + e.storedLength, 0);
    blobsRemoved += entries.length - live.length;
    if (live.length === 0) {
      drop.push(pack.packId);
      bytesFreed += pack.size;
    } else if (live.length < entries.length && 1 - liveBytes / pack.size > maxUnused) {
      rewrite.push({ packId: pack.packId, live });
      bytesFreed += pack.size - liveBytes;
    } else {
      keep.push({ packId: pack.packId, size: pack.size, entries });
    }
  }
  const dryRun = opts.dryRun ?? false;
  // Temporary files of writes killed long ago (an hour is far beyond any write in progress).
  if (!dryRun) await repo.store.cleanup?.(60 * 60 * 1000);
  if (dryRun || (drop.length === 0 && rewrite.length === 0)) {
    return { packsDeleted: drop.length, packsRewritten: rewrite.length, packsWritten: 0, bytesFreed, blobsRemoved, dryRun };
  }

  // 1. Copy live blobs out of packs being rewritten (each authenticated on the way).
  const written: IndexedPack[] = [];
  const capacity = PackWriter.capacityFor(repo.config.packSize);
  const writers: Record<BlobType, PackWriter> = { 0: new PackWriter(capacity), 1: new PackWriter(capacity) };
  const flush = async (type: BlobType): Promise<void> => {
    if (writers[type].count === 0) return;
    const pack = writers[type].finish(repo.keys.enc);
    writers[type] = new PackWriter(capacity);
    await repo.savePack(pack);
    written.push({ packId: pack.packId, size: pack.bytes.length, entries: pack.entries });
  };
  for (const { packId, live } of rewrite) {
    const data = await repo.getObject('data', packId);
    for (const e of live) {
      const sealed = data.subarray(e.offset, e.offset + e.storedLength);
      repo.openBlob(e.id, e, sealed);
      writers[e.type].add({ id: e.id, type: e.type, codec: e.codec, rawLength: e.rawLength }, Buffer.from(sealed));
      if (writers[e.type].size >= repo.config.packSize) await flush(e.type);
    }
  }
  await flush(0);
  await flush(1);

  // 2. One index naming every surviving pack; 3. the old indexes go; 4. then the packs.
  const oldIndexes = repo.catalog.listIndexIds();
  const survivors = [...keep, ...written];
  await repo.writeIndex(survivors, survivors.map((p) => p.packId));
  for (const name of oldIndexes) await repo.store.requestDelete('index', name);
  const gone = [...drop, ...rewrite.map((r) => r.packId)];
  repo.catalog.removePacks(gone);
  // Trees whose packs are gone leave the cache too (it only holds what the repository holds).
  repo.catalog.uncacheTrees(repo.catalog.cachedTreeIds().filter((id) => !repo.catalog.hasBlob(id)));
  for (const packId of gone) await repo.store.requestDelete('data', packId);
  return { packsDeleted: drop.length, packsRewritten: rewrite.length, packsWritten: written.length, bytesFreed, blobsRemoved, dryRun };
}
