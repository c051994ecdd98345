import { availableParallelism, hostname, userInfo } from 'node:os';
import { lstat } from 'node:fs/promises';
import { HavreError, errnoCode } from '../../errors/index.js';
import type { Repository, Snapshot } from '../../repo/index.js';
import { adoptOrphanPacks } from '../shared/adoptOrphanPacks.js';
import { ProgressMeter, type ProgressListener } from '../shared/Progress.js';
import { VERSION } from '../../version.js';
import { Archiver, type FileProblem } from './Archiver.js';
import { BlobSink } from './BlobSink.js';
import { ChunkWorkerPool } from './ChunkWorkerPool.js';
import { scanTotals } from './scanTotals.js';
import { normaliseSources, sourceTree } from './sources.js';

/** Files in flight per chunk worker: enough to hide I/O latency on small files, few enough that
 *  large files' read buffers stay bounded (bench/ANALYSIS.md). */
const FILES_PER_WORKER = 4;

export interface BackupOptions {
  readonly paths: readonly string[];
  readonly tags?: readonly string[];
  /** Havre's home (configuration, catalogs): never backed up, nor is the repository itself. */
  readonly home?: string;
  /** Other absolute paths never backed up. */
  readonly exclude?: readonly string[];
  readonly onProgress?: ProgressListener;
  readonly workers?: number;
}

export interface BackupResult {
  readonly snapshotId: string;
  readonly snapshot: Snapshot;
  readonly problems: readonly FileProblem[];
  readonly durationMs: number;
  readonly packs: number;
  readonly storedBytes: number;
  readonly unchangedFiles: number;
}

/** One backup: sources → packs → index → snapshot (DESIGN.md §2). The snapshot is written last. */
export async function runBackup(repo: Repository, opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const sources = normaliseSources(opts.paths);
  if (sources.length === 0) throw new HavreError('USAGE', { detail: 'no path to back up' });
  for (const s of sources) {
    try {
      await lstat(s);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw new HavreError('SOURCE_NOT_FOUND', { path: s });
      throw e;
    }
  }
  // An interrupted backup leaves packs in no index: recorded in the catalog, or (killed between the
  // store's rename and the catalog) in the store only. Index them all first, and dedup against them.
  // Offline (an appliance out of reach) the store cannot be listed: the next backup online does it.
  if (!repo.offline) await adoptOrphanPacks(repo);

  const excluded = [repo.store.location, ...(opts.home ? [opts.home] : []), ...(opts.exclude ?? [])];
  const meter = new ProgressMeter('backup', opts.onProgress);
  const data = new BlobSink(repo, 0);
  const trees = new BlobSink(repo, 1);
  const pool = new ChunkWorkerPool(repo, data, opts.workers);
  const archiver = new Archiver(repo, pool, data, trees, excluded, Math.max(2, (opts.workers ?? availableParallelism()) * FILES_PER_WORKER));
  const scan = new AbortController();
  const totals = scanTotals(sources, excluded, scan.signal);
  const timer = setInterval(() => {
    const c = archiver.counters;
    const known = totals.done ? { totalFiles: totals.files, totalBytes: totals.bytes } : {};
    meter.report({ phase: 'backing-up', files: c.files, bytes: c.bytes, currentPath: c.currentPath, ...known });
    archiver.commitDurableStates();
  }, 250);
  let tree: string;
  try {
    tree = await archiver.archiveRoot(sourceTree(sources));
    await data.flush();
    await trees.flush();
  } finally {
    clearInterval(timer);
    scan.abort();
    await pool.close();
  }
  await repo.flushIndex();
  archiver.commitDurableStates(true);

  const c = archiver.counters;
  const previous = repo.listSnapshots().filter((s) => s.hostname === hostname() && sameSet(s.paths, sources));
  const snapshot: Snapshot = {
    version: 1,
    time: new Date().toISOString(),
    tree,
    paths: sources,
    hostname: hostname(),
    username: safeUserName(),
    tags: [...(opts.tags ?? [])],
    parent: previous.length > 0 ? previous[previous.length - 1]!.id : null,
    summary: { files: c.files, dirs: c.dirs, bytes: c.bytes, addedBytes: data.addedBytes + trees.addedBytes,
      unreadable: archiver.problems.filter((p) => p.kind === 'unreadable' || p.kind === 'vanished').length },
    program: `havre ${VERSION}`,
  };
  const snapshotId = await repo.saveSnapshot(snapshot);
  meter.report({ phase: 'done', files: c.files, bytes: c.bytes, ...(totals.done ? { totalFiles: totals.files, totalBytes: totals.bytes } : {}) }, true);
  return { snapshotId, snapshot, problems: archiver.problems, durationMs: Date.now() - started, packs: data.packs + trees.packs,
    storedBytes: data.storedBytes + trees.storedBytes, unchangedFiles: c.unchangedFiles };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
