import type { BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeBlob } from '../../compress/index.js';
import type { FileState } from '../../catalog/index.js';
import { blobId, seal } from '../../crypto/index.js';
import { errnoCode, isHavreError } from '../../errors/index.js';
import type { DirNode, FileNode, Repository, TreeNode } from '../../repo/index.js';
import { encodeTree } from '../../repo/index.js';
import { Limit, belowQueue } from '../shared/limit.js';
import type { BlobSink } from './BlobSink.js';
import { FileReadError, type ChunkWorkerPool } from './ChunkWorkerPool.js';
import { baseMeta, fileState, sameAfterRead, unchanged } from './fileMeta.js';
import { isInside, type SourceNode } from './sources.js';

export interface FileProblem {
  readonly path: string;
  /** unreadable: could not be read (listed, backup goes on); vanished: deleted while scanned;
   *  changed: kept changing while read (the snapshot holds what was read); skipped: not a regular file. */
  readonly kind: 'unreadable' | 'vanished' | 'changed' | 'skipped';
  readonly reason: string;
}

export interface ArchiveCounters {
  files: number;
  dirs: number;
  bytes: number;
  readBytes: number;
  unchangedFiles: number;
  currentPath: string;
}

/** Retries of a file that changes while it is read, before keeping what was read. */
const CHANGE_RETRIES = 2;

/**
 * Walks sources and turns them into trees: unchanged files reuse their blobs from the catalog,
 * others go through the chunk workers. Memory stays bounded: the walk waits while too many files
 * are queued, and file states reach the catalog as soon as their packs are saved.
 */
export class Archiver {
  readonly problems: FileProblem[] = [];
  readonly counters: ArchiveCounters = { files: 0, dirs: 0, bytes: 0, readBytes: 0, unchangedFiles: 0, currentPath: '' };
  private readonly fileLimit: Limit;
  private readonly statesWaiting: { mark: number; state: FileState }[] = [];

  constructor(
    private readonly repo: Repository,
    private readonly pool: ChunkWorkerPool,
    private readonly data: BlobSink,
    private readonly trees: BlobSink,
    private readonly excluded: readonly string[],
    concurrency: number,
  ) {
    this.fileLimit = new Limit(concurrency);
  }

  /** Archives the virtual root of FORMAT.md §9 and returns the root tree id. */
  async archiveRoot(root: SourceNode): Promise<string> {
    return this.saveTree(await this.archiveVirtual(root, ''));
  }

  private async archiveVirtual(node: SourceNode, abs: string): Promise<TreeNode[]> {
    const out: TreeNode[] = [];
    for (const [name, child] of node.children) {
      const path = abs === '' && process.platform !== 'win32' ? `/${name}` : join(abs || '/', name);
      if (child.source !== undefined) {
        const n = await this.archivePath(child.source, name);
        if (n) out.push(n);
      } else {
        const st = await lstat(path, { bigint: true });
        out.push({ name, type: 'dir', ...baseMeta(st), subtree: await this.saveTree(await this.archiveVirtual(child, path)) });
      }
    }
    return out;
  }

  private async archivePath(path: string, name: string): Promise<TreeNode | null> {
    let st: BigIntStats;
    try {
      st = await lstat(path, { bigint: true });
    } catch (e) {
      this.problem(path, e);
      return null;
    }
    if (st.isDirectory()) return this.archiveDir(path, name, st);
    if (st.isSymbolicLink()) {
      try {
        return { name, type: 'symlink', ...baseMeta(st), target: await readlink(path) };
      } catch (e) {
        this.problem(path, e);
        return null;
      }
    }
    if (st.isFile()) return this.archiveFile(path, name, st);
    this.problems.push({ path, kind: 'skipped', reason: 'not a regular file, folder or symbolic link' });
    return null;
  }

  private async archiveDir(path: string, name: string, st: BigIntStats): Promise<DirNode | null> {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (e) {
      this.problem(path, e);
      return null;
    }
    this.counters.dirs++;
    const pending: Promise<TreeNode | null>[] = [];
    for (const child of names) {
      const childPath = join(path, child);
      if (this.excluded.some((x) => isInside(childPath, x))) continue;
      let cst: BigIntStats;
      try {
        cst = await lstat(childPath, { bigint: true });
      } catch (e) {
        this.problem(childPath, e);
        continue;
      }
      if (cst.isDirectory()) {
        // Not awaited: a folder must not wait for its subfolders before going on to its next
        // entries, or every folder becomes a barrier and the workers starve. The file queue bound
        // (belowQueue) still keeps the walk a bounded distance ahead.
        pending.push(this.archiveDir(childPath, child, cst));
      } else if (cst.isFile()) {
        await belowQueue(this.fileLimit, 256);
        pending.push(this.fileLimit.run(() => this.archiveFile(childPath, child, cst)));
      } else {
        pending.push(this.archivePath(childPath, child));
      }
    }
    const nodes = (await Promise.all(pending)).filter((n): n is TreeNode => n !== null);
    return { name, type: 'dir', ...baseMeta(st), subtree: await this.saveTree(nodes) };
  }

  private async archiveFile(path: string, name: string, st: BigIntStats): Promise<FileNode | null> {
    this.counters.currentPath = path;
    const prev = this.repo.catalog.getFileState(path);
    if (prev && unchanged(prev, st) && prev.content.every((id) => this.repo.catalog.hasBlob(id))) {
      this.count(Number(st.size));
      this.counters.unchangedFiles++;
      return { name, type: 'file', ...baseMeta(st), size: prev.size, content: prev.content.map((b) => b.toString('hex')) };
    }
    let before = st;
    for (let attempt = 0; ; attempt++) {
      let result;
      try {
        result = await this.pool.backupFile(path);
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        this.problem(path, e, e.errno);
        return null;
      }
      let after: BigIntStats;
      try {
        after = await lstat(path, { bigint: true });
      } catch (e) {
        this.problem(path, e);
        return null;
      }
      const stable = sameAfterRead(before, after) && Number(after.size) === result.bytes;
      if (!stable && attempt < CHANGE_RETRIES) {
        before = after;
        continue;
      }
      if (!stable) this.problems.push({ path, kind: 'changed', reason: 'the file kept changing while it was read; the snapshot holds the bytes that were read' });
      this.count(result.bytes);
      this.counters.readBytes += result.bytes;
      if (stable) this.rememberState(fileState(path, after, result.ids.map((h) => Buffer.from(h, 'hex'))));
      return { name, type: 'file', ...baseMeta(after), size: result.bytes, content: result.ids };
    }
  }

  private count(bytes: number): void {
    this.counters.files++;
    this.counters.bytes += bytes;
  }

  /** Encodes, dedups and queues one tree blob; returns its id. */
  private async saveTree(nodes: TreeNode[]): Promise<string> {
    const plain = encodeTree(nodes);
    const id = blobId(this.repo.keys.id, plain);
    if (this.trees.claim(id)) {
      await this.trees.waitForRoom();
      const { codec, payload } = encodeBlob(plain);
      this.trees.add(id, codec, plain.length, seal(this.repo.keys.enc, payload, id));
    }
    return id.toString('hex');
  }

  /** A file state may reach the catalog only once every blob it names is saved. */
  private rememberState(state: FileState): void {
    this.statesWaiting.push({ mark: this.data.mark(), state });
    if (this.statesWaiting.length >= 512) this.commitDurableStates();
  }

  commitDurableStates(all = false): void {
    const ready: FileState[] = [];
    let keep = 0;
    for (const w of this.statesWaiting) {
      if (all || this.data.isDurable(w.mark)) ready.push(w.state);
      else this.statesWaiting[keep++] = w;
    }
    this.statesWaiting.length = keep;
    if (ready.length > 0) this.repo.catalog.putFileStates(ready);
  }

  private problem(path: string, e: unknown, errno = errnoCode(e)): void {
    if (isHavreError(e)) throw e;
    if (errno === 'ENOENT') this.problems.push({ path, kind: 'vanished', reason: 'deleted while the backup ran' });
    else this.problems.push({ path, kind: 'unreadable', reason: errno === 'EACCES' || errno === 'EPERM' ? 'permission denied' : (errno ?? String(e)) });
  }
}
