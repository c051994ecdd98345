import { availableParallelism, hostname, userInfo } from 'node:os';
import { lstat } from 'node:fs/promises';
import { HavreError, errnoCode } from '../../errors/index.js';
import type { Repository, Snapshot } from '../../repo/index.js';
import { adoptOrphanPacks } from '../shared/adoptOrphanPacks.js';
import { ProgressMeter, type ProgressListener } from '../shared/Progress.js';
import { VERSION } from '../../version.js';
import { auditedJob, FileListCollector, recordBestEffort } from '../../audit/index.js';
import { FileScanner, readAntivirusConfig } from '../../antivirus/index.js';
import { Archiver, type FileProblem } from './Archiver.js';
import { BlobSink } from './BlobSink.js';
import { ChunkWorkerPool } from './ChunkWorkerPool.js';
import { scanTotals } from './scanTotals.js';
import { DirtySet } from './DirtySet.js';
import { sweepStaleStates } from './staleStates.js';
import { isInside, normaliseSources, sourceTree } from './sources.js';
import type { Exclusions } from '../../settings/index.js';
import { loadPolicy, type Policy } from '../../policy/index.js';

/** Files in flight per chunk worker: enough that neither the main thread nor a worker waits for
 *  the other's answer on small files (4 → 16: a 200,000-file backup 31 → 27 s); of them, large
 *  files (over READ_WHOLE_MAX, streamed) at most 4, so their read buffers stay bounded. */
const FILES_PER_WORKER = 16;
const LARGE_FILES_PER_WORKER = 4;

export interface BackupOptions {
  readonly paths: readonly string[];
  readonly tags?: readonly string[];
  /** Havre's home (configuration, catalogs): never backed up, nor is the repository itself. */
  readonly home?: string;
  /** Other absolute paths never backed up. */
  readonly exclude?: readonly string[];
  /** The settings' exclusion patterns and size limit. */
  readonly exclusions?: Exclusions;
  readonly onProgress?: ProgressListener;
  readonly workers?: number;
  /**
   * Continuous protection (protection/): the previous snapshot of the same sources lends its
   * versions of files that cannot be read whole now, and of sources that cannot be reached; no
   * snapshot is written when nothing changed.
   */
  readonly continuous?: boolean;
  /** With `continuous`: only these paths changed since that snapshot; other folders are carried over unread. */
  readonly changedPaths?: readonly string[];
  /** With `continuous`: files still being written, not read this time (their previous version is kept). */
  readonly holdBack?: ReadonlySet<string>;
  /** Stops the backup (HavreError JOB_CANCELLED): what was stored stays, and is reused next time. */
  readonly signal?: AbortSignal;
  /** The antivirus filter; by default the one `<home>/antivirus.json` configures, null for none. */
  readonly scanner?: FileScanner | null;
  /**
   * The machine policy's antivirus section, when the caller has already read the policy (continuous
   * protection keeps it and re-reads it when it changes): saves a policy read on every backup.
   */
  readonly antivirusPolicy?: Policy['antivirus'] | null;
  /** Blobs named by each index object written during the backup (default 50,000, as restic; tests use fewer). */
  readonly indexBlobs?: number;
}

export interface BackupResult {
  readonly snapshotId: string;
  readonly snapshot: Snapshot;
  readonly problems: readonly FileProblem[];
  readonly durationMs: number;
  readonly packs: number;
  readonly storedBytes: number;
  readonly unchangedFiles: number;
  /** False when, in continuous mode, nothing changed: `snapshotId` is then the previous snapshot. */
  readonly wroteSnapshot: boolean;
  /** Folders carried over from the previous snapshot unread. */
  readonly carriedDirs: number;
}

/** One backup, recorded in the audit log with the files it stored (sealed). */
export async function runBackup(repo: Repository, opts: BackupOptions): Promise<BackupResult> {
  const stored = new FileListCollector();
  let scanner: FileScanner | null = null;
  return auditedJob(repo, 'backup', async () => {
    // IT's machine policy decides the antivirus filter where it says anything about it (issue 8).
    scanner = opts.scanner ?? null;
    if (opts.scanner === undefined && opts.home !== undefined) {
      const fromPolicy = opts.antivirusPolicy !== undefined ? opts.antivirusPolicy : (await loadPolicy({ home: opts.home })).policy.antivirus;
      const config = await readAntivirusConfig(opts.home, fromPolicy ?? undefined);
      scanner = config ? new FileScanner(config) : null;
    }
    const r = await backup(repo, opts, stored, scanner);
    reportInfected(repo, r.problems);
    return r;
  }, (r) => ({
    fields: { snapshot: r.snapshotId, wroteSnapshot: r.wroteSnapshot, continuous: opts.continuous === true, files: r.snapshot.summary.files ?? 0,
      bytes: r.snapshot.summary.bytes ?? 0, storedBytes: r.storedBytes, problems: r.problems.length,
      ...(scanner ? { scanned: true, unscanned: scanner.unscanned, tooLargeToScan: scanner.tooLarge, ...(scanner.failure !== null ? { scannerFailure: scanner.failure } : {}) } : {}) },
    files: stored,
  }), () => stored);
}

/** Infected files are an event of their own (the error report the references ask for): signatures in clear, files sealed. */
function reportInfected(repo: Repository, problems: readonly FileProblem[]): void {
  const infected = problems.filter((p) => p.kind === 'infected');
  if (infected.length === 0) return;
  const files = new FileListCollector();
  for (const p of infected) files.add(p.path);
  recordBestEffort(repo.audit, 'virus.found', { signatures: [...new Set(infected.map((p) => p.reason))].slice(0, 50), count: infected.length }, files);
}

/** One backup: sources → packs → index → snapshot (DESIGN.md §2). The snapshot is written last. */
async function backup(repo: Repository, opts: BackupOptions, stored: FileListCollector, scanner: FileScanner | null): Promise<BackupResult> {
  const started = Date.now();
  const sources = normaliseSources(opts.paths);
  if (sources.length === 0) throw new HavreError('USAGE', { detail: 'no path to back up' });
  const previous = repo.listSnapshots().filter((s) => s.hostname === hostname() && sameSet(s.paths, sources)).at(-1) ?? null;
  const parent = opts.continuous ? previous : null;
  for (const s of sources) {
    try {
      await lstat(s);
    } catch (e) {
      // Continuous mode keeps a source that went away (a USB drive) as the previous snapshot has it.
      if (errnoCode(e) === 'ENOENT' && !parent) throw new HavreError('SOURCE_NOT_FOUND', { path: s });
      if (!parent) throw e;
    }
  }
  // An interrupted backup leaves packs in no index: recorded in the catalog, or (killed between the
  // store's rename and the catalog) in the store only. Index them all first, and dedup against them.
  // Offline (an appliance out of reach) the store cannot be listed: the next backup online does it.
  if (!repo.offline) await adoptOrphanPacks(repo);

  const excluded = [repo.store.location, ...(opts.home ? [opts.home] : []), ...(opts.exclude ?? [])];
  const skip = (path: string, isDir: boolean): boolean => excluded.some((x) => isInside(path, x)) || (opts.exclusions?.excludesEntry(path, isDir) ?? false);
  const dirty = parent && opts.changedPaths ? new DirtySet(opts.changedPaths) : null;
  const meter = new ProgressMeter('backup', opts.onProgress);
  const data = new BlobSink(repo, 0, opts.indexBlobs);
  const trees = new BlobSink(repo, 1, opts.indexBlobs);
  const workers = opts.workers ?? availableParallelism();
  const pool = new ChunkWorkerPool(repo, data, workers);
  const archiver = new Archiver(repo, pool, data, trees,
    { skip, maxFileBytes: opts.exclusions?.maxFileBytes ?? null, parentTree: parent?.tree ?? null, dirty,
      ...(parent && opts.holdBack ? { holdBack: opts.holdBack } : {}), ...(opts.signal ? { signal: opts.signal } : {}), onStored: (p) => stored.add(p),
      ...(scanner ? { scan: (p: string) => scanner.scan(p) } : {}) },
    { files: Math.max(2, workers * FILES_PER_WORKER), largeFiles: Math.max(2, workers * LARGE_FILES_PER_WORKER) });
  const scan = new AbortController();
  // A backup of a few changed paths has nothing worth an ETA: no second walk of everything. Nor
  // has one whose previous snapshot says how large the folders were: that is the estimate (a
  // second walk of a million files cost a no-op backup about a fifth of its time).
  const estimate = previous?.summary;
  const totals = dirty ? { files: 0, bytes: 0, done: false }
    : estimate?.files !== undefined && estimate.bytes !== undefined ? { files: estimate.files, bytes: estimate.bytes, done: true }
      : scanTotals(sources, skip, scan.signal);
  const timer = setInterval(() => {
    const c = archiver.counters;
    const known = totals.done ? { totalFiles: Math.max(totals.files, c.files), totalBytes: Math.max(totals.bytes, c.bytes) } : {};
    meter.report({ phase: 'backing-up', files: c.files, bytes: c.bytes, currentPath: c.currentPath, ...known });
    archiver.commitDurableStates();
  }, 250);
  let tree: string;
  try {
    tree = await archiver.archiveRoot(sourceTree(sources));
    await data.flush();
    await trees.flush();
  } catch (e) {
    await Promise.all([data.settle(), trees.settle()]);
    throw e;
  } finally {
    clearInterval(timer);
    scan.abort();
    await pool.close();
  }
  await repo.flushIndex();
  archiver.commitDurableStates(true);
  repo.catalog.putTreeStats([...archiver.treeStats].map(([id, t]) => [Buffer.from(id, 'hex'), t]));
  repo.flushTreeCache();
  await sweepStaleStates(repo);

  const c = archiver.counters;
  const stats = archiver.treeStats.get(tree) ?? { files: c.files, dirs: c.dirs, bytes: c.bytes };
  const unreadable = archiver.problems.filter((p) => p.kind === 'unreadable' || p.kind === 'vanished').length;
  const common = { problems: archiver.problems, durationMs: 0, packs: data.packs + trees.packs, storedBytes: data.storedBytes + trees.storedBytes,
    unchangedFiles: c.unchangedFiles, carriedDirs: c.carriedDirs };
  if (parent && parent.tree === tree) {
    // Continuous protection: nothing changed, so no new snapshot (the previous one says it all).
    meter.report({ phase: 'done', files: stats.files, bytes: stats.bytes }, true);
    // From the catalog, not the store: it may be away (an appliance: the run then goes to the spool).
    const snapshot: Snapshot = { version: 1, time: parent.time, tree: parent.tree, paths: parent.paths, hostname: parent.hostname, username: parent.username,
      tags: parent.tags, parent: parent.parent, program: '',
      summary: { files: stats.files, dirs: stats.dirs, bytes: stats.bytes, addedBytes: 0, unreadable: parent.summary.unreadable ?? 0 } };
    return { ...common, snapshotId: parent.id, snapshot, wroteSnapshot: false, durationMs: Date.now() - started };
  }
  const snapshot: Snapshot = {
    version: 1,
    time: new Date().toISOString(),
    tree,
    paths: sources,
    hostname: hostname(),
    username: safeUserName(),
    tags: [...(opts.tags ?? [])],
    parent: previous?.id ?? null,
    summary: { files: stats.files, dirs: stats.dirs, bytes: stats.bytes, addedBytes: data.addedBytes + trees.addedBytes, unreadable },
    program: `havre ${VERSION}`,
  };
  const snapshotId = await repo.saveSnapshot(snapshot);
  meter.report({ phase: 'done', files: c.files, bytes: c.bytes, ...(totals.done ? { totalFiles: c.files, totalBytes: c.bytes } : {}) }, true);
  return { ...common, snapshotId, snapshot, wroteSnapshot: true, durationMs: Date.now() - started };
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
