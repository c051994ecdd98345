import { constants } from 'node:fs';
import { chmod, lchown, lstat, lutimes, open, readlink, rename, rm, symlink, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HavreError, errnoCode, isHavreError } from '../../errors/index.js';
import { findNode, type DirNode, type FileNode, type Repository, type SymlinkNode, type TreeNode } from '../../repo/index.js';
import { ProgressMeter, type ProgressListener } from '../shared/Progress.js';
import { Limit } from '../shared/limit.js';
import { BlobCache } from './BlobCache.js';
import { BlobOpenPool } from './BlobOpenPool.js';
import { keepBothName, type ConflictMode } from './conflict.js';
import { SafeTarget } from './SafeTarget.js';
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

const ZEROS = Buffer.alloc(8 * 1024 * 1024);
/** Blobs of one file read and opened ahead of its writes. */
const PREFETCH = 4;

/**
 * Restores a snapshot, a folder or a file. Every blob is authenticated before its bytes are
 * written; files are written to a temporary name and renamed into place only when complete, so
 * the target never holds a partial or wrong file. Symbolic links are created last, so nothing is
 * ever written through one.
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
  const fileLimit = new Limit(4);
  const symlinks: { dir: string[]; node: SymlinkNode }[] = [];
  const dirMeta: PendingMeta[] = [];
  const meter = new ProgressMeter('restore', opts.onProgress);
  const now = new Date();

  const rel = (dir: readonly string[], name: string): string => [...dir, name].join('/');
  const fail = (path: string, e: unknown): void => {
    if (isHavreError(e) && (e.code === 'STORE_UNAVAILABLE' || e.code === 'STORE_PERMISSION')) throw e;
    result.failed.push({ path, code: isHavreError(e) ? e.code : (errnoCode(e) ?? 'EIO'), reason: isHavreError(e) ? e.message : String(e) });
  };

  async function restoreFile(dir: string[], node: FileNode): Promise<void> {
    const path = rel(dir, node.name);
    const dirAbs = await target.recheck(dir);
    let name = node.name;
    const existing = await lstat(join(dirAbs, name)).catch((e: unknown) => (errnoCode(e) === 'ENOENT' ? null : Promise.reject(e)));
    if (existing) {
      if (existing.isFile() && (await sameContent(repo, join(dirAbs, name), node, existing.size))) {
        result.identical.push(path);
        return;
      }
      if (existing.isDirectory() && conflict !== 'keep-both') {
        result.skipped.push({ path, code: 'FOLDER_IN_THE_WAY', reason: 'a folder exists with this name' });
        return;
      }
      if (conflict === 'skip') {
        result.skipped.push({ path, code: 'EXISTS', reason: 'a different file exists (conflict mode skip)' });
        return;
      }
      if (conflict === 'keep-both') {
        name = await keepBothName(dirAbs, node.name, now);
        result.renamed.push({ path, as: rel(dir, name) });
      }
    }
    const tmp = join(dirAbs, `.havre-restore-${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    // Up to PREFETCH blobs of this file are read and opened (on the workers) ahead of the writes.
    const ahead: Promise<Buffer>[] = [];
    let next = 0;
    const fill = (): void => {
      while (ahead.length < PREFETCH && next < node.content.length) {
        const p = fetchBlob(node.content[next++]!);
        p.catch(() => undefined); // handled where awaited; never an unhandled rejection meanwhile
        ahead.push(p);
      }
    };
    try {
      let offset = 0;
      fill();
      while (ahead.length > 0) {
        const blob = await ahead.shift()!;
        fill();
        // All-zero chunks are skipped: the file stays sparse, and truncate() fills the gap with zeros.
        const zero = blob.length <= ZEROS.length && blob.equals(ZEROS.subarray(0, blob.length));
        if (!zero) {
          let w = 0;
          while (w < blob.length) w += (await fh.write(blob, w, blob.length - w, offset + w)).bytesWritten;
        }
        offset += blob.length;
        result.bytes += blob.length;
      }
      if (offset !== node.size) throw new HavreError('INTEGRITY', { what: `file ${path} (size ${offset} instead of ${node.size})` });
      await fh.truncate(node.size);
      await fh.chmod(node.mode);
      await fh.close();
      await target.recheck(dir);
      await setTimes(tmp, node.mtime, false);
      if (process.getuid?.() === 0) await lchown(tmp, node.uid, node.gid).catch(() => undefined);
      await rename(tmp, join(dirAbs, name));
      result.files++;
    } catch (e) {
      await Promise.allSettled(ahead);
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** A blob's plaintext: from the cache, or read from its pack and opened on a worker. */
  async function fetchBlob(id: string): Promise<Buffer> {
    const hit = cache.get(id);
    if (hit) return hit;
    const idBuf = Buffer.from(id, 'hex');
    const { loc, sealed } = await repo.readSealed(idBuf);
    const plain = await pool.open(idBuf, loc, sealed).catch((e: unknown) => repo.openElsewhere(loc, (s) => pool.open(idBuf, loc, s), e));
    cache.set(id, plain);
    return plain;
  }

  async function restoreNode(dir: string[], node: TreeNode, jobs: Promise<void>[]): Promise<void> {
    const path = rel(dir, node.name);
    if (node.type === 'file') {
      jobs.push(fileLimit.run(() => restoreFile(dir, node).catch((e: unknown) => fail(path, e))).then(() => {
        meter.report({ phase: 'restoring', files: result.files, bytes: result.bytes, currentPath: path });
      }));
    } else if (node.type === 'symlink') {
      symlinks.push({ dir, node });
    } else {
      try {
        const sub = [...dir, node.name];
        const abs = await target.dir(sub);
        result.dirs++;
        const tree = await repo.loadTree(node.subtree);
        for (const child of tree.nodes) await restoreNode(sub, child, jobs);
        dirMeta.push({ abs, node });
      } catch (e) {
        fail(path, e);
      }
    }
  }

  const jobs: Promise<void>[] = [];
  try {
    if (opts.path !== undefined) {
      const node = await findNode((t) => repo.loadTree(t), row.tree, opts.path, row.id.slice(0, 8));
      // The whole snapshot is restored without --path; an empty one names nothing.
      if (!node) throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path: opts.path, snapshot: row.id.slice(0, 8) });
      await restoreNode([], node, jobs);
    } else {
      for (const node of (await repo.loadTree(row.tree)).nodes) await restoreNode([], node, jobs);
    }
    await Promise.all(jobs);
  } finally {
    await Promise.allSettled(jobs);
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

async function setTimes(path: string, mtimeNs: string, link: boolean): Promise<void> {
  const secs = Number(BigInt(mtimeNs) / 1000n) / 1e6;
  if (link) await lutimes(path, secs, secs);
  else await utimes(path, secs, secs);
}
