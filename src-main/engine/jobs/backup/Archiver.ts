import type { Verdict } from '../../antivirus/index.js';
import { lstatSync, type BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeBlob } from '../../compress/index.js';
import type { FileState, TreeStats } from '../../catalog/index.js';
import { blobId, seal } from '../../crypto/index.js';
import { HavreError, errnoCode, isHavreError } from '../../errors/index.js';
import type { DirNode, FileNode, Repository, TreeNode } from '../../repo/index.js';
import { encodeTree } from '../../repo/index.js';
import { Limit } from '../shared/limit.js';
import type { BlobSink } from './BlobSink.js';
import { FileReadError, type ChunkWorkerPool } from './ChunkWorkerPool.js';
import { baseMeta, fileState, sameAfterRead, unchanged } from './fileMeta.js';
import type { DirtySet } from './DirtySet.js';
import type { SourceNode } from './sources.js';
import { READ_WHOLE_MAX } from './workerProtocol.js';

export interface FileProblem {
  readonly path: string;
  /** unreadable: could not be read (listed, backup goes on); vanished: deleted while scanned;
   *  changed: kept changing while read (the snapshot holds what was read, or in continuous mode the
   *  previous version); skipped: not a regular file; unavailable: a source folder that cannot be
   *  reached (in continuous mode, carried over from the previous snapshot); infected: the antivirus
   *  found `reason` (a signature name) in it, so it was not stored (its previous version is kept). */
  readonly kind: 'unreadable' | 'vanished' | 'changed' | 'skipped' | 'unavailable' | 'infected';
  readonly reason: string;
  /** Node's errno code where there is one ('EBUSY', 'EACCES', 'ENAMETOOLONG'...). */
  readonly errno?: string;
  /** Continuous mode: the snapshot keeps the previous snapshot's version of this path. */
  readonly keptPrevious?: boolean;
}

/** How one backup walks (runBackup's options, resolved). */
export interface ArchiveMode {
  /** Left out: a path and whether it is a folder (exclusions, the repository, Havre's home). */
  readonly skip: (path: string, isDir: boolean) => boolean;
  /** Files larger than this many bytes are left out; null: no limit. */
  readonly maxFileBytes: number | null;
  /**
   * Continuous protection: the previous snapshot's root tree. A file that cannot be read
   * consistently keeps its previous version, and with `dirty`, folders nothing changed in are
   * carried over unread.
   */
  readonly parentTree: string | null;
  /** Only these paths changed since `parentTree`; null: every folder is listed. */
  readonly dirty: DirtySet | null;
  /** Files changing right now (not quiet yet): not read, their previous version kept (continuous mode). */
  readonly holdBack?: ReadonlySet<string>;
  readonly signal?: AbortSignal;
  /** Told of each file read and stored (the audit event's file list). */
  readonly onStored?: (path: string) => void;
  /** The antivirus filter: a file it finds infected is not stored. */
  readonly scan?: (path: string) => Promise<Verdict>;
}

export interface ArchiveCounters {
  files: number;
  dirs: number;
  bytes: number;
  readBytes: number;
  unchangedFiles: number;
  /** Folders carried over from the previous snapshot without being listed. */
  carriedDirs: number;
  currentPath: string;
}

/** Retries of a file that changes while it is read, before keeping what was read. */
const CHANGE_RETRIES = 2;
/** Files queued for the workers ahead of them: the walk waits past this. */
const FILES_AHEAD = 256;
/**
 * Folders being listed at once. Each listed folder starts its subfolders without waiting for
 * them, so without this bound the walk spreads over the whole tree while files queue: at a million
 * files in 80,000 folders every folder was listed and waiting, and memory grew past 700 MB.
 */
const FOLDERS_LISTING = 8;

/**
 * Walks sources and turns them into trees: unchanged files reuse their blobs from the catalog,
 * others go through the chunk workers. Memory stays bounded: the walk waits while too many files
 * are queued, and file states reach the catalog as soon as their packs are saved.
 */
export class Archiver {
  readonly problems: FileProblem[] = [];
  readonly counters: ArchiveCounters = { files: 0, dirs: 0, bytes: 0, readBytes: 0, unchangedFiles: 0, carriedDirs: 0, currentPath: '' };
  /** What each tree built or carried over in this backup holds (the snapshot summary; tree_stats). */
  readonly treeStats = new Map<string, TreeStats>();
  private readonly fileLimit: Limit;
  /** Of the files in flight, those the workers stream (over READ_WHOLE_MAX): fewer, larger buffers. */
  private readonly largeFileLimit: Limit;
  /** Newest first: queued subfolders are then taken depth first, and what waits stays small. */
  private readonly dirLimit = new Limit(FOLDERS_LISTING, 'lifo');
  private readonly statesWaiting: { mark: number; state: FileState }[] = [];

  constructor(
    private readonly repo: Repository,
    private readonly pool: ChunkWorkerPool,
    private readonly data: BlobSink,
    private readonly trees: BlobSink,
    private readonly mode: ArchiveMode,
    concurrency: { files: number; largeFiles: number },
  ) {
    this.fileLimit = new Limit(concurrency.files);
    this.largeFileLimit = new Limit(concurrency.largeFiles);
  }

  /** Archives the virtual root of FORMAT.md §9 and returns the root tree id. */
  async archiveRoot(root: SourceNode): Promise<string> {
    const prev = this.mode.parentTree !== null ? await this.childrenOf(this.mode.parentTree) : null;
    return this.saveTree(await this.archiveVirtual(root, '', prev));
  }

  private async archiveVirtual(node: SourceNode, abs: string, prev: Map<string, TreeNode> | null): Promise<TreeNode[]> {
    const out: TreeNode[] = [];
    for (const [name, child] of node.children) {
      const path = abs === '' && process.platform !== 'win32' ? `/${name}` : join(abs || '/', name);
      const before = prev?.get(name);
      if (child.source !== undefined) {
        const n = await this.archivePath(child.source, name, before);
        if (n) out.push(n);
      } else {
        // A folder above the sources (`/home`) is only the way to them: in continuous mode it keeps
        // the previous snapshot's metadata, so a file created beside a source is not a new snapshot.
        const sub = before?.type === 'dir' ? await this.childrenOf(before.subtree) : null;
        const meta = before?.type === 'dir' ? { mode: before.mode, mtime: before.mtime, uid: before.uid, gid: before.gid } : baseMeta(await lstat(path, { bigint: true }));
        out.push({ name, type: 'dir', ...meta, subtree: await this.saveTree(await this.archiveVirtual(child, path, sub)) });
      }
    }
    return out;
  }

  /** A source folder or file (a root of the snapshot). */
  private async archivePath(path: string, name: string, before?: TreeNode): Promise<TreeNode | null> {
    let st: BigIntStats;
    try {
      st = await lstat(path, { bigint: true });
    } catch (e) {
      // Continuous mode: a source that went away (a USB drive, a share) keeps its last snapshot.
      if (before && this.mode.parentTree !== null && !isHavreError(e)) {
        this.problems.push({ path, kind: 'unavailable', reason: errnoCode(e) ?? String(e), errno: errnoCode(e) ?? 'EIO', keptPrevious: true });
        if (before.type === 'dir') await this.statsOf(before.subtree);
        else if (before.type === 'file') this.count(before.size);
        return before;
      }
      this.problem(path, e);
      return null;
    }
    if (st.isDirectory()) return this.archiveDir(path, name, st, before);
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

  private async archiveDir(path: string, name: string, st: BigIntStats, before?: TreeNode): Promise<DirNode | null> {
    this.checkCancelled();
    // Nothing changed in or below this folder since the previous snapshot: carry it over unread.
    if (before?.type === 'dir' && this.mode.dirty && !this.mode.dirty.mustList(path) && this.carryOver(before)) {
      return { ...before, name, ...baseMeta(st) };
    }
    const listed = await this.dirLimit.run(() => this.listDir(path, before));
    if (!listed) return null;
    const nodes = (await Promise.all(listed.pending)).filter((n): n is TreeNode => n !== null);
    if (listed.prev) this.forgetGone(path, listed.prev, listed.names);
    return { name, type: 'dir', ...baseMeta(st), subtree: await this.saveTree(nodes, true) };
  }

  /**
   * Lists a folder and starts its entries: files go to the workers' queue (waiting while it is
   * long), subfolders start at once and wait for a listing slot. Returns what to wait for.
   */
  private async listDir(path: string, before?: TreeNode): Promise<{ names: string[]; prev: Map<string, TreeNode> | null; pending: Promise<TreeNode | null>[] } | null> {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (e) {
      this.problem(path, e);
      return null;
    }
    this.counters.dirs++;
    const prev = before?.type === 'dir' && this.mode.parentTree !== null ? await this.childrenOf(before.subtree) : null;
    const pending: Promise<TreeNode | null>[] = [];
    // A child may fail (a cancelled backup) while this loop still awaits: handled at once, so it is
    // never an unhandled rejection; Promise.all below still throws it.
    const track = (p: Promise<TreeNode | null>): void => {
      p.catch(() => undefined);
      pending.push(p);
    };
    for (const child of names) {
      const childPath = join(path, child);
      let cst: BigIntStats;
      try {
        // Synchronous on purpose (here and after each read): a metadata read the kernel has cached
        // takes 3.5 µs this way and 33 µs of CPU through the thread pool and a promise, which was
        // 43 % of a no-op backup's main thread. DECISIONS.md says what that costs on a slow share.
        cst = lstatSync(childPath, { bigint: true });
      } catch (e) {
        this.problem(childPath, e);
        continue;
      }
      if (this.mode.skip(childPath, cst.isDirectory())) continue;
      const was = prev?.get(child);
      if (cst.isDirectory()) {
        // Not awaited: a folder must not wait for its subfolders before going on to its next
        // entries, or every folder becomes a barrier and the workers starve. The subfolder waits
        // for a listing slot, which this folder frees when its loop ends (never while it waits).
        track(this.archiveDir(childPath, child, cst, was));
      } else if (cst.isFile()) {
        if (this.mode.maxFileBytes !== null && cst.size > BigInt(this.mode.maxFileBytes)) continue;
        await this.fileLimit.fewerWaiting(FILES_AHEAD);
        track(this.fileLimit.run(() => this.archiveFile(childPath, child, cst, was)));
      } else {
        track(this.archivePath(childPath, child));
      }
    }
    return { names, prev, pending };
  }

  /**
   * Entries of the previous snapshot that are gone from the folder: their file states go too, so
   * the catalog names no file that is not on this disk (DESIGN.md §6, invariant 1).
   */
  private forgetGone(dir: string, prev: Map<string, TreeNode>, present: readonly string[]): void {
    const here = new Set(present);
    for (const [name, node] of prev) {
      if (here.has(name)) continue;
      if (node.type === 'file') this.repo.catalog.deleteFileState(join(dir, name));
      else if (node.type === 'dir') this.repo.catalog.deleteFileStatesUnder(join(dir, name));
    }
  }

  /** Counts a folder carried over from the previous snapshot; false when what it holds is not known. */
  private carryOver(node: DirNode): boolean {
    const stats = this.treeStats.get(node.subtree) ?? this.repo.catalog.treeStats(Buffer.from(node.subtree, 'hex'));
    if (!stats) return false; // not known here (a rebuilt catalog): the folder is listed, which records it
    this.treeStats.set(node.subtree, stats);
    this.counters.carriedDirs++;
    return true;
  }

  /** What a tree of the previous snapshot holds: known, or counted by reading its trees (rare: a source gone, a rebuilt catalog). */
  private async statsOf(tree: string): Promise<TreeStats> {
    const known = this.treeStats.get(tree) ?? this.repo.catalog.treeStats(Buffer.from(tree, 'hex'));
    if (known) {
      this.treeStats.set(tree, known);
      return known;
    }
    const stats: TreeStats = { files: 0, dirs: 1, bytes: 0 };
    for (const n of (await this.childrenOf(tree)).values()) {
      if (n.type === 'file') {
        stats.files++;
        stats.bytes += n.size;
      } else if (n.type === 'dir') {
        const sub = await this.statsOf(n.subtree);
        stats.files += sub.files;
        stats.dirs += sub.dirs;
        stats.bytes += sub.bytes;
      }
    }
    this.treeStats.set(tree, stats);
    return stats;
  }

  /** A tree of the previous snapshot, by name; empty when it cannot be read (the folder is then listed). */
  private async childrenOf(tree: string): Promise<Map<string, TreeNode>> {
    try {
      return new Map((await this.repo.loadTree(tree)).nodes.map((n) => [n.name, n]));
    } catch (e) {
      if (isHavreError(e, 'INTEGRITY') || isHavreError(e, 'BLOB_MISSING')) return new Map();
      throw e;
    }
  }

  private checkCancelled(): void {
    const signal = this.mode.signal;
    if (signal?.aborted) throw new HavreError('JOB_CANCELLED', { reason: typeof signal.reason === 'string' ? signal.reason : 'stopped' });
  }

  private async archiveFile(path: string, name: string, st: BigIntStats, before?: TreeNode): Promise<FileNode | null> {
    this.checkCancelled();
    this.counters.currentPath = path;
    const found = this.repo.catalog.lookupFileState(path);
    const prev = found?.state;
    if (prev && unchanged(prev, st) && (found.oneBlobIndexed || prev.content.every((id) => this.repo.catalog.hasBlob(id)))) {
      this.count(Number(st.size));
      this.counters.unchangedFiles++;
      return { name, type: 'file', ...baseMeta(st), size: prev.size, content: prev.content.map((b) => b.toString('hex')) };
    }
    // Continuous mode: a version this file had in the previous snapshot, kept when the new one
    // cannot be read whole (in use, changing, still being written); protection/ tries again later.
    const keep = this.mode.parentTree !== null && before?.type === 'file' ? before : null;
    if (this.mode.holdBack?.has(path)) return keep && this.kept(keep, name);
    let start = st;
    for (let attempt = 0; ; attempt++) {
      let result;
      // Scanned before every read, so the bytes stored are bytes scanned (a change in between
      // fails the stability check below and both happen again).
      const verdict = await this.mode.scan?.(path);
      if (verdict?.infected) {
        this.problems.push({ path, kind: 'infected', reason: verdict.signature, keptPrevious: keep !== null });
        return keep && this.kept(keep, name);
      }
      try {
        const size = Number(start.size);
        result = size > READ_WHOLE_MAX ? await this.largeFileLimit.run(() => this.pool.backupFile(path, size)) : await this.pool.backupFile(path, size);
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        this.problem(path, e, e.errno, keep !== null);
        return keep && this.kept(keep, name);
      }
      let after: BigIntStats;
      try {
        after = lstatSync(path, { bigint: true });
      } catch (e) {
        this.problem(path, e);
        return null;
      }
      const stable = sameAfterRead(start, after) && Number(after.size) === result.bytes;
      if (!stable && attempt < CHANGE_RETRIES) {
        start = after;
        continue;
      }
      if (!stable && this.mode.parentTree !== null) {
        this.problems.push({ path, kind: 'changed', reason: 'the file kept changing while it was read; it will be read again', keptPrevious: keep !== null });
        return keep && this.kept(keep, name);
      }
      if (!stable) this.problems.push({ path, kind: 'changed', reason: 'the file kept changing while it was read; the snapshot holds the bytes that were read' });
      this.count(result.bytes);
      this.counters.readBytes += result.bytes;
      this.mode.onStored?.(path);
      if (stable) this.rememberState(fileState(path, after, result.ids.map((h) => Buffer.from(h, 'hex'))));
      return { name, type: 'file', ...baseMeta(after), size: result.bytes, content: result.ids };
    }
  }

  private kept(node: FileNode, name: string): FileNode {
    this.count(node.size);
    return { ...node, name };
  }

  private count(bytes: number): void {
    this.counters.files++;
    this.counters.bytes += bytes;
  }

  /**
   * Encodes, dedups and queues one tree blob; returns its id. Records what it holds: its files,
   * its subfolders' contents, and itself when it is a real folder (`isDir`, not the virtual root).
   */
  private async saveTree(nodes: TreeNode[], isDir = false): Promise<string> {
    const plain = encodeTree(nodes);
    const id = blobId(this.repo.keys.id, plain);
    if (this.trees.claim(id)) {
      await this.trees.waitForRoom();
      const { codec, payload } = encodeBlob(plain);
      const sealed = seal(this.repo.keys.enc, payload, id);
      this.trees.add(id, codec, plain.length, sealed);
      // Continuous protection reads these trees again at its next run: cached sealed, as in the pack.
      this.repo.cacheTree(id, { codec, rawLength: plain.length, sealed });
    }
    const hex = id.toString('hex');
    const stats: TreeStats = { files: 0, dirs: isDir ? 1 : 0, bytes: 0 };
    for (const n of nodes) {
      if (n.type === 'file') {
        stats.files++;
        stats.bytes += n.size;
      } else if (n.type === 'dir') {
        const sub = this.treeStats.get(n.subtree);
        if (sub) {
          stats.files += sub.files;
          stats.dirs += sub.dirs;
          stats.bytes += sub.bytes;
        }
      }
    }
    this.treeStats.set(hex, stats);
    return hex;
  }

  /** A file state may reach the catalog only once every blob it names is saved. */
  private rememberState(state: FileState): void {
    this.statesWaiting.push({ mark: this.data.mark(), state });
    // Marks only grow, so the durable states are a prefix: a look at the first one says whether a
    // batch is ready. (Scanning the whole list at every file was quadratic: thousands of small
    // files wait for each pack.)
    if (this.statesWaiting.length >= 512 && this.data.isDurable(this.statesWaiting[0]!.mark)) this.commitDurableStates();
  }

  commitDurableStates(all = false): void {
    let n = 0;
    if (all) n = this.statesWaiting.length;
    else while (n < this.statesWaiting.length && this.data.isDurable(this.statesWaiting[n]!.mark)) n++;
    if (n > 0) this.repo.catalog.putFileStates(this.statesWaiting.splice(0, n).map((w) => w.state));
  }

  private problem(path: string, e: unknown, errno = errnoCode(e), keptPrevious = false): void {
    if (isHavreError(e)) throw e;
    if (errno === 'ENOENT') this.problems.push({ path, kind: 'vanished', reason: 'deleted while the backup ran', errno });
    else {
      const reason = errno === 'EACCES' || errno === 'EPERM' ? 'permission denied' : errno === 'EBUSY' ? 'in use by another program' : (errno ?? String(e));
      this.problems.push({ path, kind: 'unreadable', reason, errno: errno ?? 'EIO', ...(keptPrevious ? { keptPrevious } : {}) });
    }
  }
}
