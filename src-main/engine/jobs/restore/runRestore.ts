import { auditedJob, FileListCollector } from '../../audit/index.js';
import { chmod, lstat, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode, isHavreError, localFailure } from '../../errors/index.js';
import { findNode, type DirNode, type Repository, type SymlinkNode, type TreeNode } from '../../repo/index.js';
import { ProgressMeter, type ProgressListener } from '../shared/Progress.js';
import { BlobCache } from './BlobCache.js';
import { BlobOpenPool } from './BlobOpenPool.js';
import { keepBothName, type ConflictMode } from './conflict.js';
import { setTimes } from './RestoringFile.js';
import { noteRestore, sweepUnfinishedRestores } from './unfinishedRestores.js';
import { isFatal, RestoreWindow, type FileEntry, type RestoreIssue, type WindowContext } from './RestoreWindow.js';
import { SafeTarget } from './SafeTarget.js';
import { TreePrefetch } from './TreePrefetch.js';

export type { RestoreIssue } from './RestoreWindow.js';

export interface RestoreOptions {
  readonly snapshot: string;
  readonly target: string;
  /** Restore only this path of the snapshot; it lands in the target under its own name. */
  readonly path?: string;
  readonly conflict?: ConflictMode;
  readonly onProgress?: ProgressListener;
  /** HAVRE_HOME: where running restores are noted, so a killed one's temporary files are removed by the next. */
  readonly home?: string;
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

/** Files restored together: each is open (a temporary file) until its window ends. */
const WINDOW_FILES = 256;
/** ...and a window stops growing past this much content, so its runs stay near its files. */
const WINDOW_BYTES = 512 * 1024 * 1024;

/**
 * Restores a snapshot, a folder or a file. Files are taken in windows (RestoreWindow.ts): each
 * window's blobs are read pack by pack in ranged runs, authenticated on worker threads, and written
 * to every place they belong; files are renamed into place only when complete, so the target never
 * holds a partial or wrong file. The next window is prepared while one is read. Symbolic links are
 * created last, so nothing is ever written through one.
 */
/** One restore, recorded in the audit log with the files it wrote (sealed). */
export async function runRestore(repo: Repository, opts: RestoreOptions): Promise<RestoreResult> {
  const restored = new FileListCollector();
  return auditedJob(repo, 'restore', () => restore(repo, opts, restored), (r) => ({
    fields: { snapshot: r.snapshotId, restored: r.files, bytes: r.bytes, identical: r.identical.length, skipped: r.skipped.length, failed: r.failed.length },
    files: restored,
  }), () => restored);
}

async function restore(repo: Repository, opts: RestoreOptions, restored: FileListCollector): Promise<RestoreResult> {
  const started = Date.now();
  const row = repo.resolveSnapshot(opts.snapshot);
  const target = await SafeTarget.open(opts.target);
  // What a killed restore left (its temporary files) goes first; this one is noted in case it dies too.
  if (opts.home === undefined) return restoreInto(repo, opts, restored, row, target, started);
  await sweepUnfinishedRestores(opts.home).catch(() => 0);
  const forgetNote = await noteRestore(opts.home, target.root);
  try {
    return await restoreInto(repo, opts, restored, row, target, started);
  } finally {
    await forgetNote().catch(() => undefined);
  }
}

async function restoreInto(repo: Repository, opts: RestoreOptions, restored: FileListCollector, row: ReturnType<Repository['resolveSnapshot']>,
  target: SafeTarget, started: number): Promise<RestoreResult> {
  const conflict = opts.conflict ?? 'keep-both';
  const result: RestoreResult = { snapshotId: row.id, target: target.root, files: 0, dirs: 0, symlinks: 0, bytes: 0,
    identical: [], skipped: [], renamed: [], failed: [], durationMs: 0 };
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
  const ctx: WindowContext = { repo, target, pool, cache: new BlobCache(), meter, conflict, now, result, fail, onRestored: (p) => restored.add(p) };

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

  const files = roots()[Symbol.asyncIterator]();
  /** The next window's entries, as the walk gives them. */
  const nextEntries = async (): Promise<FileEntry[]> => {
    const entries: FileEntry[] = [];
    let bytes = 0;
    while (entries.length < WINDOW_FILES && bytes < WINDOW_BYTES) {
      const n = await files.next();
      if (n.done) break;
      entries.push(n.value);
      bytes += n.value.node.size;
    }
    return entries;
  };
  const prepareNext = async (): Promise<RestoreWindow | null> => {
    const entries = await nextEntries();
    return entries.length > 0 ? RestoreWindow.prepare(ctx, entries) : null;
  };
  let next: Promise<RestoreWindow | null> = prepareNext();
  try {
    for (let current = await next; current; current = await next) {
      // The next window's walk, conflict checks and temporary files overlap this one's reads.
      next = prepareNext();
      next.catch(() => undefined); // awaited by the loop, or cleaned up below
      await current.execute();
    }
  } catch (e) {
    await next.then((w) => w?.abort(), () => undefined);
    throw e;
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
