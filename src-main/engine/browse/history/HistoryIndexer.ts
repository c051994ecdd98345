// Takes new snapshots into the history index. A snapshot is compared with the index's own state
// (the open versions), not with the previous snapshot's trees, so forgotten and pruned snapshots
// never matter; a folder whose tree id did not change is skipped whole, so a continuous-protection
// snapshot costs only what changed. Writes go in batches; a folder's fingerprint is written only
// after all its children, and the snapshot's row last, so a run cut short is simply run again.
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { HistoryRows, HistoryVersionRow, HistoryWrite } from '../../catalog/index.js';
import { isHavreError } from '../../errors/index.js';
import type { Repository, Tree, TreeNode } from '../../repo/index.js';
import type { NamePages } from './NamePages.js';

/** Writes applied per transaction. */
const BATCH = 20_000;
/** Nodes handled between two yields to the event loop, so the engine keeps answering. */
const YIELD_EVERY = 5_000;
/** A folder whose children were not all taken in yet: never equal to a tree id. */
const UNFINISHED = Buffer.alloc(32);

/** What tells two versions of a path apart: a folder's tree id; a file's content ids and mtime; a link's target. */
export function nodeFingerprint(node: TreeNode): Buffer {
  if (node.type === 'dir') return Buffer.from(node.subtree, 'hex');
  const h = createHash('sha256').update(`${node.type}\0${node.mtime}\0`);
  if (node.type === 'file') {
    h.update(`${node.size}\0`);
    for (const id of node.content) h.update(id);
  } else {
    h.update(node.target);
  }
  return h.digest().subarray(0, 16);
}

export function nodeMtimeMs(node: TreeNode): number {
  return Number(BigInt(node.mtime) / 1_000_000n);
}

/** Trees that cannot be read are skipped: the folder is looked at again with the next snapshot. */
function unreadable(e: unknown): boolean {
  return isHavreError(e) && (e.code === 'INTEGRITY' || e.code === 'BLOB_MISSING' || e.code === 'OBJECT_MISSING');
}

export class HistoryIndexer {
  private writes: HistoryWrite[] = [];
  private nextPid: number;
  private handled = 0;

  /** `stop`: aborted, the run ends at its next yield (or at once) with an AbortError; the snapshot it was on has no row, so the next run takes it again. */
  constructor(private readonly repo: Repository, private readonly rows: HistoryRows, private readonly names: NamePages, private readonly stop?: AbortSignal) {
    this.nextPid = rows.maxPid() + 1;
  }

  /**
   * Indexes the catalog's snapshots the index lacks, oldest first; a snapshot older than the newest
   * indexed one (a clock set back, a catalog rebuilt) rebuilds the index.
   */
  async update(): Promise<{ added: number; rebuilt: boolean }> {
    this.stop?.throwIfAborted();
    let indexed = this.rows.snapshots();
    const known = new Set(indexed.map((r) => r.id));
    let fresh = this.repo.listSnapshots().filter((s) => !known.has(s.id));
    if (fresh.length === 0) return { added: 0, rebuilt: false };
    const newest = indexed.at(-1);
    const rebuilt = newest !== undefined && fresh.some((s) => Date.parse(s.time) < newest.timeMs);
    if (rebuilt) {
      this.rows.clear();
      this.names.discard();
      this.nextPid = 1;
      indexed = [];
      fresh = this.repo.listSnapshots();
    }
    let seq = indexed.at(-1)?.seq ?? 0;
    let previous = indexed.at(-1)?.tree ?? null;
    for (const s of fresh) {
      seq++;
      const tree = Buffer.from(s.tree, 'hex');
      try {
        if (!previous?.equals(tree)) await this.indexDir(0, s.tree, seq);
        this.push({ op: 'snapshot', row: { seq, id: s.id, timeMs: Date.parse(s.time), tree } });
        this.flush();
      } catch (e) {
        this.writes = [];
        this.names.discard();
        this.nextPid = this.rows.maxPid() + 1;
        throw e;
      }
      previous = tree;
    }
    return { added: fresh.length, rebuilt };
  }

  private push(w: HistoryWrite): void {
    this.writes.push(w);
    if (this.writes.length >= BATCH) this.flush();
  }

  private flush(): void {
    const writes = this.writes;
    this.writes = [];
    this.rows.apply([...writes, ...this.names.flush()]);
  }

  private newPath(parent: number, name: string): number {
    const pid = this.nextPid++;
    this.push({ op: 'path', pid, parent });
    this.names.set(pid, name);
    return pid;
  }

  private childMap(parent: number): Map<string, number> {
    const m = new Map<string, number>();
    for (const pid of this.rows.children(parent)) m.set(this.names.name(pid), pid);
    return m;
  }

  /** Compares a folder of snapshot `seq` with the index; false when its tree cannot be read. */
  private async indexDir(parent: number, treeId: string, seq: number): Promise<boolean> {
    let tree: Tree;
    try {
      tree = await this.repo.loadTree(treeId);
    } catch (e) {
      if (unreadable(e)) return false;
      throw e;
    }
    const open = this.rows.openChildren(parent);
    const byName = this.childMap(parent);
    const seen = new Set<number>();
    for (const node of tree.nodes) {
      if (++this.handled % YIELD_EVERY === 0) {
        await yieldToLoop();
        this.stop?.throwIfAborted();
      }
      let pid = byName.get(node.name);
      if (pid === undefined) {
        pid = this.newPath(parent, node.name);
        byName.set(node.name, pid);
      }
      seen.add(pid);
      const cur = open.get(pid);
      const fingerprint = nodeFingerprint(node);
      if (cur && cur.type === node.type && cur.fingerprint.equals(fingerprint)) continue;
      if (cur?.type === 'dir' && node.type === 'dir') {
        // The same folder with other content: its children say what changed; the folder keeps its version.
        if (await this.indexDir(pid, node.subtree, seq)) this.push({ op: 'fingerprint', pid, fingerprint });
        continue;
      }
      if (cur) this.close(cur, seq - 1);
      this.push({ op: 'open', version: { pid, fromSeq: seq, toSeq: null, type: node.type, size: node.type === 'file' ? node.size : 0,
        mtimeMs: nodeMtimeMs(node), fingerprint: node.type === 'dir' ? UNFINISHED : fingerprint } });
      if (node.type === 'dir' && (await this.indexDir(pid, node.subtree, seq))) this.push({ op: 'fingerprint', pid, fingerprint });
    }
    for (const [pid, cur] of open) if (!seen.has(pid)) this.close(cur, seq - 1);
    return true;
  }

  /** Ends a version, and everything still open below it when it was a folder. */
  private close(cur: HistoryVersionRow, toSeq: number): void {
    this.push({ op: 'close', pid: cur.pid, toSeq });
    if (cur.type !== 'dir') return;
    const folders = [cur.pid];
    for (let p = folders.pop(); p !== undefined; p = folders.pop()) {
      for (const [pid, v] of this.rows.openChildren(p)) {
        this.push({ op: 'close', pid, toSeq });
        if (v.type === 'dir') folders.push(pid);
      }
    }
  }
}
