// Repairs damage a verification found, from this workstation (issue 7; FORMAT.md §7, §10): the
// files it affects that are still on disk as they were backed up are read again, chunked with the
// repository's keyed chunker, and every chunk whose keyed id is one of the damaged blobs is sealed
// and stored again in a new pack, named by a new index. The damaged copy stays where it is (stores
// never overwrite; prune removes it once nothing prefers it); readers prefer the new copy
// (Catalog.preferLocation) and fall back to it on their own (Repository.readBlob). A chunk is
// stored only when HMAC(K_id, bytes) equals the damaged id, so a file changed since cannot repair
// anything wrongly: it just repairs nothing.
import { open } from 'node:fs/promises';
import { auditedJob, FileListCollector } from '../audit/index.js';
import { Chunker, chunkFile } from '../chunk/index.js';
import { encodeBlob } from '../compress/index.js';
import { blobId, seal } from '../crypto/index.js';
import { errnoCode } from '../errors/index.js';
import type { VerifyResult } from '../jobs/index.js';
import { PackWriter, type Repository } from '../repo/index.js';

export interface RepairResult {
  /** Damaged blobs stored again. */
  readonly repaired: number;
  /** Damaged blobs no file on this computer holds any more (or trees: they are not files). */
  readonly unrepaired: number;
  /** Files read again to find them. */
  readonly filesRead: number;
  readonly packId: string | null;
}

/** The damaged blob ids a verification names: bad blobs, and every blob of a bad pack. */
export function damagedBlobs(repo: Repository, v: VerifyResult): Set<string> {
  const bad = new Set<string>();
  for (const p of v.problems) {
    if (p.kind === 'blob') bad.add(p.object);
    else if (p.kind === 'pack') for (const e of repo.catalog.packEntries(p.object)) bad.add(e.id.toString('hex'));
  }
  return bad;
}

async function repair(repo: Repository, v: VerifyResult, files: FileListCollector): Promise<RepairResult> {
  const bad = damagedBlobs(repo, v);
  const total = bad.size;
  const chunker = new Chunker(repo.keys.chunker, repo.config.chunker);
  const writer = new PackWriter();
  const stored = new Set<string>();
  let filesRead = 0;
  const paths = [...new Set(v.affected.map((a) => a.path))];
  for (const path of paths) {
    if (stored.size === bad.size) break;
    const state = repo.catalog.getFileState(path);
    // Only files whose last backup used a damaged blob: others cannot hold its bytes.
    if (!state?.content.some((b) => bad.has(b.toString('hex')) && !stored.has(b.toString('hex')))) continue;
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (errnoCode(e) !== undefined) continue; // gone or unreadable: nothing to repair from
      throw e;
    }
    try {
      filesRead++;
      files.add(path);
      for await (const chunk of chunkFile(fh, chunker)) {
        const id = blobId(repo.keys.id, chunk);
        const hex = id.toString('hex');
        if (!bad.has(hex) || stored.has(hex)) continue;
        const { codec, payload } = encodeBlob(chunk);
        writer.add({ id, type: 0, codec, rawLength: chunk.length }, seal(repo.keys.enc, payload, id));
        stored.add(hex);
      }
    } finally {
      await fh.close();
    }
  }
  if (writer.count === 0) return { repaired: 0, unrepaired: total, filesRead, packId: null };
  // New pack, then an index naming it (FORMAT.md §10); then readers prefer the new copies.
  const pack = writer.finish(repo.keys.enc);
  await repo.savePack(pack);
  await repo.writeIndex([{ packId: pack.packId, size: pack.bytes.length, entries: pack.entries }], [pack.packId]);
  for (const e of pack.entries) repo.catalog.preferLocation(e.id, pack.packId);
  return { repaired: stored.size, unrepaired: total - stored.size, filesRead, packId: pack.packId };
}

/** Repairs what it can and records it (`job.done` repair-from-workstation, or `job.failed` when some damage remains). */
export function repairFromWorkstation(repo: Repository, v: VerifyResult): Promise<RepairResult> {
  const files = new FileListCollector();
  return auditedJob(repo, 'repair-from-workstation', () => repair(repo, v, files), (r) => ({
    fields: { repaired: r.repaired, unrepaired: r.unrepaired, filesRead: r.filesRead, ...(r.packId ? { pack: r.packId } : {}) },
    files,
    ...(r.unrepaired > 0 ? { failed: 'INTEGRITY' } : {}),
  }), () => files);
}
