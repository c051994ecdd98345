import { chmod, lstat, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode, isHavreError, localFailure } from '../../errors/index.js';
import { findNode, type DirNode, type FileNode, type Repository, type SymlinkNode, type TreeNode } from '../../repo/index.js';
import { ProgressMeter, type ProgressListener } from '../shared/Progress.js';
import { Limit } from '../shared/limit.js';
import { BlobCache } from './BlobCache.js';
import { BlobOpenPool } from './BlobOpenPool.js';
import { keepBothName, type ConflictMode } from './conflict.js';
import { planRestore, type PackRun, type PlanLimits, type PlannedBlob } from './RestorePlan.js';
import { RestoringFile, setTimes } from './RestoringFile.js';
import { SafeTarget } from './SafeTarget.js';
import { TreePrefetch } from './TreePrefetch.js';
import { sameContent } from './sameContent.js';

export interface RestoreOptions {
  readonly snapshot: string;
  readonly target: string;
  /** Restore only this path of the snapshot; it lands in the target under its own name. */
  readonly path?: string;
  readonly conflict?: ConflictMode;
  readonly onProgress?: ProgressListener;
}

export interface RestoreIssue {
  readonly path: string;
  readonly code: string;
  readonly reason: string;
}

export interface RestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  readonly identical: string[];
  readonly skipped: RestoreIssue[];
  readonly renamed: { path: string; as: string }[];
  readonly failed: RestoreIssue[];
  durationMs: number;
}

interface PendingMeta {
  readonly abs: string;
  readonly node: DirNode;
}

/** A file of the snapshot to restore, as the tree walk finds it. */
interface FileEntry {
  readonly dir: string[];
  readonly node: FileNode;
}

/** Files restored together: each is open (a temporary file) until its last blob lands. */
const WINDOW_FILES = 256;
/** ...and a window stops growing past this much content, so its runs stay near its files. */
const WINDOW_BYTES = 512 * 1024 * 1024;
/** Ranged reads in flight: each holds at most PLAN_LIMITS.maxRun bytes until its blobs are written. */
const RUNS_IN_FLIGHT = 4;
const PLAN_LIMITS: PlanLimits = { maxGap: 1024 * 1024, maxRun: 32 * 1024 * 1024 };
/** Existing files compared, and temporary files created, at once. */
const PREPARE_IN_FLIGHT = 8;

/**
 * Restores a snapshot, a folder or a file. Files are taken in windows (RestorePlan.ts): each
 * window's blobs are read pack by pack in ranged runs, authenticated on worker threads, and written
 * to every place they belong; a file is renamed into place only when complete, so the target never
 * holds a partial or wrong file. Symbolic links are created last, so nothing is ever written
 * through one.
 */
export async function runRestore(repo: Repository, opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const row = repo.resolveSnapshot(opts.snapshot);
  const target = await SafeTarget.open(opts.target);
  const conflict = opts.conflict ?? 'keep-both';
  const result: RestoreResult = { snapshotId: row.id, target: target.root, files: 0, dirs: 0, symlinks: 0, bytes: 0,
    identical: [], skipped: [], renamed: [], failed: [], durationMs: 0 };
  const cache = new BlobCache();
  const pool = new BlobOpenPool(repo);
  const trees = new TreePrefetch(repo);
  const symlinks: { dir: string[]; node: SymlinkNode }[] = [];
  const dirMeta: PendingMeta[] = [];
  const meter = new ProgressMeter('restore', opts.onProgress);
  const now = new Date();

  const rel = (dir: readonly string[], name: string): string => [...dir, name].join('/');
  const fail = (path: string, e: unknown): void => {
    if (isFatal(e)) throw e;
    // A full or read-only target is said as such (TARGET_FULL, TARGET_NOT_WRITABLE), not as an errno.
    const err = isHavreError(e) ? e : (localFailure(e, target.root, 'TARGET_FULL') ?? e);
    result.failed.push({ path, code: isHavreError(err) ? err.code : (errnoCode(err) ?? 'EIO'), reason: isHavreError(err) ? err.message : String(err) });
  };

  /** The file's temporary file, or null when it is identical, skipped, or cannot be started. */
  async function prepare({ dir, node }: FileEntry): Promise<RestoringFile | null> {
    const path = rel(dir, node.name);
    try {
      const dirAbs = await target.recheck(dir);
      let name = node.name;
      const existing = await lstat(join(dirAbs, name)).catch((e: unknown) => (errnoCode(e) === 'ENOENT' ? null : Promise.reject(e)));
      if (existing) {
        if (existing.isFile() && (await sameContent(repo, join(dirAbs, name), node, existing.size))) {
          result.identical.push(path);
          return null;
        }
        if (existing.isDirectory() && conflict !== 'keep-both') {
          result.skipped.push({ path, code: 'FOLDER_IN_THE_WAY', reason: 'a folder exists with this name' });
          return null;
        }
        if (conflict === 'skip') {
          result.skipped.push({ path, code: 'EXISTS', reason: 'a different file exists (conflict mode skip)' });
          return null;
        }
        if (conflict === 'keep-both') {
          name = await keepBothName(dirAbs, node.name, now);
          result.renamed.push({ path, as: rel(dir, name) });
        }
      }
      return await RestoringFile.create(dir, path, node, dirAbs, name);
    } catch (e) {
      fail(path, e);
      return null;
    }
  }

  /** A blob's plaintext read on its own (a run that could not be read): from the cache, or its pack. */
  async function fetchBlob(id: string): Promise<Buffer> {
    const hit = cache.get(id);
    if (hit) return hit;
    const idBuf = Buffer.from(id, 'hex');
    const { loc, sealed } = await repo.readSealed(idBuf);
    const plain = await pool.open(idBuf, loc, sealed).catch((e: unknown) => repo.openElsewhere(loc, (s) => pool.open(idBuf, loc, s), e));
    cache.set(id, plain);
    return plain;
  }

  async function restoreWindow(entries: FileEntry[]): Promise<void> {
    const prepLimit = new Limit(PREPARE_IN_FLIGHT);
    const opened = await Promise.all(entries.map((e) => prepLimit.run(() => prepare(e))));
    const files = opened.filter((f): f is RestoringFile => f !== null);
    const plan = planRestore(files.map((f) => f.node), (id) => repo.catalog.findBlob(Buffer.from(id, 'hex')), PLAN_LIMITS);
    const finishing: Promise<void>[] = [];

    const giveUp = async (i: number, e: unknown): Promise<void> => {
      const f = files[i]!;
      if (f.aborted) return;
      await f.abort();
      fail(f.path, e);
    };
    const landed = (i: number): void => {
      const f = files[i]!;
      if (f.aborted || --plan.pending[i]! > 0) return;
      finishing.push(f.finish(f.node.content.length, () => target.recheck(f.dir)).then(() => {
        result.files++;
        meter.report({ phase: 'restoring', files: result.files, bytes: result.bytes, currentPath: f.path });
      }, (e: unknown) => giveUp(i, e)));
    };
    /** Writes a blob's plaintext to every place the window needs it. */
    const deliver = async (b: PlannedBlob, plain: Buffer): Promise<void> => {
      await Promise.all(b.to.map(async ({ file, offset }) => {
        const f = files[file]!;
        if (f.aborted) return;
        try {
          await f.write(plain, offset);
          result.bytes += plain.length;
          landed(file);
        } catch (e) {
          await giveUp(file, e);
        }
      }));
    };
    const blobFailed = async (b: PlannedBlob, e: unknown): Promise<void> => {
      if (isFatal(e)) throw e;
      for (const { file } of b.to) await giveUp(file, e);
    };

    async function readRun(run: PackRun): Promise<void> {
      const wanted = run.blobs.filter((b) => b.to.some(({ file }) => !files[file]!.aborted));
      if (wanted.length === 0) return;
      const cached = wanted.map((b) => cache.get(b.id));
      let bytes: Buffer | null = null;
      if (cached.some((c) => c === undefined)) {
        try {
          bytes = await repo.store.get('data', run.packId, { offset: run.offset, length: run.length });
          if (bytes.length !== run.length) throw new HavreError('INTEGRITY', { what: `pack ${run.packId.slice(0, 12)} (truncated)` });
        } catch (e) {
          if (isFatal(e)) throw e;
          bytes = null; // each blob on its own, from wherever it can still be read
        }
      }
      const run0 = bytes;
      await Promise.all(wanted.map(async (b, i) => {
        let plain = cached[i];
        try {
          if (!plain && run0) {
            const at = b.loc.offset - run.offset;
            // A copy of its own: the worker takes the bytes over, and the run stays whole for the others.
            const sealed = Buffer.from(run0.subarray(at, at + b.loc.storedLength));
            const idBuf = Buffer.from(b.id, 'hex');
            plain = await pool.open(idBuf, b.loc, sealed).catch((e: unknown) => repo.openElsewhere(b.loc, (s) => pool.open(idBuf, b.loc, s), e));
            cache.set(b.id, plain);
          }
          plain ??= await fetchBlob(b.id);
        } catch (e) {
          await blobFailed(b, e);
          return;
        }
        await deliver(b, plain);
      }));
    }

    try {
      for (const [i, id] of plan.missing) await giveUp(i, new HavreError('BLOB_MISSING', { id: id.slice(0, 16) }));
      for (const [i, f] of files.entries()) {
        if (f.aborted) continue;
        if (plan.sizes[i] !== f.node.size) await giveUp(i, new HavreError('INTEGRITY', { what: `file ${f.path} (size ${plan.sizes[i]} instead of ${f.node.size})` }));
        else if (plan.pending[i] === 0) {
          plan.pending[i] = 1;
          landed(i); // an empty file
        }
      }
      const runLimit = new Limit(RUNS_IN_FLIGHT);
      await Promise.all(plan.runs.map((run) => runLimit.run(() => readRun(run))));
      await Promise.all(finishing);
    } catch (e) {
      await Promise.allSettled(finishing);
      await Promise.all(files.map((f) => f.abort()));
      throw e;
    }
    for (const [i, f] of files.entries()) {
      // Every blob was planned: a file still waiting would be a bug in the plan, never a silent gap.
      if (!f.aborted && plan.pending[i]! > 0) await giveUp(i, new HavreError('INTERNAL', { reason: `restore lost track of ${f.path}` }));
    }
  }

  /** The snapshot's files in tree order; folders are created (and checked) as the walk reaches them. */
  async function* walk(dir: string[], node: TreeNode): AsyncGenerator<FileEntry> {
    if (node.type === 'file') {
      yield { dir, node };
      return;
    }
    if (node.type === 'symlink') {
      symlinks.push({ dir, node });
      return;
    }
    const sub = [...dir, node.name];
    let children: readonly TreeNode[];
    try {
      const abs = await target.dir(sub);
      result.dirs++;
      children = (await trees.get(node.subtree)).nodes;
      trees.warm(children.flatMap((c) => (c.type === 'dir' ? [c.subtree] : [])));
      dirMeta.push({ abs, node });
    } catch (e) {
      fail(rel(dir, node.name), e);
      return;
    }
    for (const child of children) yield* walk(sub, child);
  }

  async function* roots(): AsyncGenerator<FileEntry> {
    if (opts.path !== undefined) {
      const node = await findNode((t) => repo.loadTree(t), row.tree, opts.path, row.id.slice(0, 8));
      // The whole snapshot is restored without --path; an empty one names nothing.
      if (!node) throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path: opts.path, snapshot: row.id.slice(0, 8) });
      yield* walk([], node);
    } else {
      const top = (await trees.get(row.tree)).nodes;
      trees.warm(top.flatMap((c) => (c.type === 'dir' ? [c.subtree] : [])));
      for (const node of top) yield* walk([], node);
    }
  }

  try {
    let window: FileEntry[] = [];
    let windowBytes = 0;
    for await (const entry of roots()) {
      window.push(entry);
      windowBytes += entry.node.size;
      if (window.length >= WINDOW_FILES || windowBytes >= WINDOW_BYTES) {
        await restoreWindow(window);
        window = [];
        windowBytes = 0;
      }
    }
    if (window.length > 0) await restoreWindow(window);
  } finally {
    await pool.close();
  }

  for (const { dir, node } of symlinks) {
    const path = rel(dir, node.name);
    try {
      const dirAbs = await target.recheck(dir);
      let name = node.name;
      const existing = await lstat(join(dirAbs, name)).catch(() => null);
      if (existing?.isSymbolicLink() && (await readlink(join(dirAbs, name))) === node.target) {
        result.identical.push(path);
        continue;
      }
      if (existing) {
        if (existing.isSymbolicLink() && conflict !== 'keep-both') {
          if (conflict === 'skip') {
            result.skipped.push({ path, code: 'EXISTS', reason: 'an entry exists with this name' });
            continue;
          }
          await rm(join(dirAbs, name));
        } else if (conflict === 'keep-both') {
          name = await keepBothName(dirAbs, node.name, now);
          result.renamed.push({ path, as: rel(dir, name) });
        } else {
          result.skipped.push({ path, code: 'EXISTS', reason: 'an entry exists with this name' });
          continue;
        }
      }
      await symlink(node.target, join(dirAbs, name));
      await setTimes(join(dirAbs, name), node.mtime, true).catch(() => undefined);
      result.symlinks++;
    } catch (e) {
      fail(path, e);
    }
  }
  // Folder metadata last, deepest first: writing into a folder changes its mtime.
  for (const { abs, node } of dirMeta.reverse()) {
    await chmod(abs, node.mode).catch(() => undefined);
    await setTimes(abs, node.mtime, false).catch(() => undefined);
  }
  result.durationMs = Date.now() - started;
  meter.report({ phase: 'done', files: result.files, bytes: result.bytes }, true);
  return result;
}

/**
 * Errors that end the whole restore: the store is gone or refuses us (a folder, the appliance, a
 * bucket, every target), so every other file would fail too, after its own retries.
 */
const FATAL: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'STORE_PERMISSION', 'APPLIANCE_UNREACHABLE', 'APPLIANCE_CERT_REFUSED', 'APPLIANCE_FORBIDDEN',
  'S3_UNREACHABLE', 'S3_CREDENTIALS_REJECTED', 'S3_FORBIDDEN', 'S3_BUCKET_MISSING', 'TARGETS_UNREACHABLE']);

function isFatal(e: unknown): boolean {
  return isHavreError(e) && FATAL.has(e.code);
}
