// One open repository behind the restore browser: folder pages (sorted once, kept in memory),
// versions and search through the history index, previews. Its owner closes it when idle, which
// wipes the keys and drops every name held in memory.
import type { BrowseListPage, BrowseListRequest, FilePreview, SearchHit, SearchResult, SnapshotSummary, TreeEntry, VersionsResult } from '../../ipc/contract.js';
import type { SnapshotRow } from '../catalog/index.js';
import { HavreError } from '../errors/index.js';
import { findNode, nodeMtimeIso, snapshotPathParts, type Repository, type TreeNode } from '../repo/index.js';
import type { HeldRepository } from './holdRepository.js';
import { History } from './history/History.js';
import { previewFile } from './preview.js';
import { NameIndex } from './search/NameIndex.js';

/** Folder entries kept sorted in memory across folders (a 100,000-entry folder is about 15 MB). */
const FOLDER_CACHE_ENTRIES = 400_000;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Folders first, then names as people sort them ("file 2" before "file 10"); ties by code units. */
export function sortEntries<E extends { name: string; type: string }>(entries: E[]): E[] {
  const dir = (e: E): number => (e.type === 'dir' ? 0 : 1);
  return entries.sort((a, b) => dir(a) - dir(b) || collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function snapshotSummary(s: SnapshotRow): SnapshotSummary {
  return { id: s.id, shortId: s.id.slice(0, 8), time: s.time, paths: s.paths, files: s.summary.files ?? 0, bytes: s.summary.bytes ?? 0, tags: [...s.tags] };
}

export class BrowseSession {
  readonly history: History;
  /** Sorted nodes of folders shown lately, by tree id (entries are made for the page asked only). */
  private readonly folders = new Map<string, readonly TreeNode[]>();
  private cachedEntries = 0;
  private names: { index: NameIndex; generation: number } | null = null;
  private lastUse = Date.now();
  private inUse = 0;

  constructor(private readonly held: HeldRepository) {
    this.history = new History(held.repo);
  }

  get repo(): Repository {
    return this.held.repo;
  }

  /** Milliseconds since the last request ended; 0 while one runs (a restore may take hours). */
  idleFor(now: number = Date.now()): number {
    return this.inUse > 0 ? 0 : now - this.lastUse;
  }

  /** Runs fn as a use of this session: it is not idle meanwhile. */
  async busy<T>(fn: () => Promise<T>): Promise<T> {
    this.inUse++;
    try {
      return await fn();
    } finally {
      this.inUse--;
      this.touch();
    }
  }

  touch(): void {
    this.lastUse = Date.now();
  }

  /** Newest first. */
  snapshots(): SnapshotSummary[] {
    this.touch();
    return this.repo.listSnapshots().reverse().map(snapshotSummary);
  }

  private async folder(snapshotId: string, path: string): Promise<readonly TreeNode[]> {
    const snap = this.repo.resolveSnapshot(snapshotId);
    const node = await findNode((t) => this.repo.loadTree(t), snap.tree, path, snap.id.slice(0, 8));
    if (node && node.type !== 'dir') throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot: snap.id.slice(0, 8) });
    const treeId = node ? node.subtree : snap.tree;
    const hit = this.folders.get(treeId);
    if (hit) {
      this.folders.delete(treeId);
      this.folders.set(treeId, hit);
      return hit;
    }
    const entries = sortEntries([...(await this.repo.loadTree(treeId)).nodes]);
    this.folders.set(treeId, entries);
    this.cachedEntries += entries.length;
    for (const [id, e] of this.folders) {
      if (this.cachedEntries <= FOLDER_CACHE_ENTRIES || id === treeId) break;
      this.folders.delete(id);
      this.cachedEntries -= e.length;
    }
    return entries;
  }

  async list(req: BrowseListRequest): Promise<BrowseListPage> {
    this.touch();
    const nodes = await this.folder(req.snapshotId, req.path);
    const entries: TreeEntry[] = nodes.slice(req.offset, req.offset + req.limit).map((n) => ({ name: n.name, type: n.type, size: n.type === 'file' ? n.size : 0,
      mtime: nodeMtimeIso(n) }));
    return { total: nodes.length, offset: req.offset, entries };
  }

  async versions(path: string): Promise<VersionsResult> {
    this.touch();
    return this.history.query(() => {
      const pid = this.history.lookup(path);
      return { path, versions: pid === null ? [] : this.history.versions(pid, this.history.timeline()).versions };
    });
  }

  /** The name index, brought up to date with the history index (new names only, unless it was rebuilt). */
  private nameIndex(): NameIndex {
    if (!this.names || this.names.generation !== this.history.generation) this.names = { index: new NameIndex(), generation: this.history.generation };
    const { index } = this.names;
    index.add(this.history.names.from(index.maxPid + 1));
    return index;
  }

  async search(query: string, limit: number): Promise<SearchResult> {
    this.touch();
    return this.history.query(() => this.searchIndexed(query, limit));
  }

  private searchIndexed(query: string, limit: number): SearchResult {
    const { pids, truncated } = this.nameIndex().search(query, limit);
    const timeline = this.history.timeline();
    const hits: SearchHit[] = [];
    for (const pid of pids) {
      const { versions, inLatest } = this.history.versions(pid, timeline);
      const latest = versions[0];
      if (!latest) continue; // only in forgotten snapshots
      const path = this.history.pathOf(pid);
      hits.push({ path, name: snapshotPathParts(path).at(-1) ?? path, type: latest.type, versions: versions.length, latest, inLatest });
    }
    return { hits, truncated };
  }

  async preview(snapshotId: string, path: string): Promise<FilePreview> {
    this.touch();
    const snap = this.repo.resolveSnapshot(snapshotId);
    const node = await findNode((t) => this.repo.loadTree(t), snap.tree, path, snap.id.slice(0, 8));
    if (!node || node.type === 'dir') return { kind: 'none', reason: 'folder', size: 0 };
    if (node.type !== 'file') return { kind: 'none', reason: 'type', size: 0 };
    return previewFile(this.repo, node);
  }

  /** Closes the repository (keys wiped) and drops everything held in memory. */
  async close(): Promise<void> {
    this.history.stop();
    this.names = null;
    this.folders.clear();
    this.cachedEntries = 0;
    await this.held.release();
  }
}
