// The history index of one open repository: every path of every snapshot and its versions, kept
// up to date with the catalog's snapshots, answering "which versions of this file?" with one index
// seek and naming the paths the name search finds.
import type { FileVersion } from '../../../ipc/contract.js';
import type { HistoryRows, HistoryVersionRow } from '../../catalog/index.js';
import { snapshotPathParts, type Repository } from '../../repo/index.js';
import { HistoryIndexer } from './HistoryIndexer.js';
import { HistoryIndexDamaged, NamePages } from './NamePages.js';
import { Timeline } from './Timeline.js';

/** Child maps kept for path lookups (folders browsed or searched recently). */
const CHILD_MAPS = 64;

export class History {
  readonly names: NamePages;
  private readonly rows: HistoryRows;
  private running: Promise<number> | null = null;
  /** Bumped whenever the index was rebuilt from nothing: path ids were given anew. */
  generation = 0;
  private readonly childMaps = new Map<number, Map<string, number>>();
  private readonly stopped = new AbortController();

  constructor(private readonly repo: Repository) {
    this.rows = repo.catalog.history;
    this.names = new NamePages(this.rows, repo.keys.catalog);
  }

  /**
   * Brings the index up to date with the catalog's snapshots (one run at a time); returns how many
   * snapshots were added. An index this key cannot open (a damaged catalog) is rebuilt.
   */
  update(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let r: { added: number; rebuilt: boolean };
    try {
      r = await new HistoryIndexer(this.repo, this.rows, this.names, this.stopped.signal).update();
    } catch (e) {
      if (!(e instanceof HistoryIndexDamaged)) throw e;
      this.reset();
      r = await new HistoryIndexer(this.repo, this.rows, this.names, this.stopped.signal).update();
    }
    if (r.rebuilt) this.generation++;
    // New paths may have joined folders whose child maps are kept.
    if (r.added > 0 || r.rebuilt) this.childMaps.clear();
    return r.added;
  }

  /**
   * Ends an update under way at its next yield (within a few thousand nodes) and refuses later
   * ones: the reader is closing, and quitting must not wait for an index build (17 s on a million
   * files). The next update takes up what the cut run left (HistoryIndexer writes a snapshot's row last).
   */
  stop(): void {
    this.stopped.abort();
  }

  /** Forgets the whole index (it cannot be read): the next update rebuilds it from the snapshots. */
  reset(): void {
    this.rows.clear();
    this.names.discard();
    this.childMaps.clear();
    this.generation++;
  }

  /** Runs a query; an index found damaged on the way is rebuilt and the query run again, once. */
  async query<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      await this.update();
      return await fn();
    } catch (e) {
      if (!(e instanceof HistoryIndexDamaged)) throw e;
      this.reset();
      await this.update();
      return fn();
    }
  }

  timeline(): Timeline {
    return new Timeline(this.rows.snapshots(), new Map(this.repo.listSnapshots().map((s) => [s.id, s.time])));
  }

  private children(parent: number): Map<string, number> {
    let m = this.childMaps.get(parent);
    if (m) return m;
    m = new Map();
    for (const pid of this.rows.children(parent)) m.set(this.names.name(pid), pid);
    this.childMaps.set(parent, m);
    if (this.childMaps.size > CHILD_MAPS) this.childMaps.delete(this.childMaps.keys().next().value!);
    return m;
  }

  /** The path id of a path as backed up, or null when no snapshot ever held it. */
  lookup(path: string): number | null {
    let pid = 0;
    for (const part of snapshotPathParts(path)) {
      const next = this.children(pid).get(part);
      if (next === undefined) return null;
      pid = next;
    }
    return pid === 0 ? null : pid;
  }

  /** The full path of a path id ('/home/ana/x.txt'). */
  pathOf(pid: number): string {
    const parts: string[] = [];
    for (let p: number | undefined = pid; p !== undefined && p !== 0; p = this.rows.parentOf(p)) parts.push(this.names.name(p));
    return `/${parts.reverse().join('/')}`;
  }

  /**
   * The versions of a path id, newest first, in snapshots that still exist. Two runs of the same
   * content with nothing else between them (the file left out of a few snapshots) are one version.
   */
  versions(pid: number, timeline: Timeline): { versions: FileVersion[]; inLatest: boolean } {
    const rows: HistoryVersionRow[] = this.rows.versions(pid);
    const out: (FileVersion & { fingerprint: Buffer })[] = [];
    let inLatest = false;
    for (const r of rows) {
      const run = timeline.run(r.fromSeq, r.toSeq);
      if (!run) continue;
      if (run.last.id === timeline.newest?.id) inLatest = true;
      const prev = out.at(-1);
      if (prev && prev.type === r.type && prev.fingerprint.equals(r.fingerprint)) {
        prev.lastSnapshotId = run.last.id;
        prev.lastTime = run.last.time;
        prev.snapshots += run.count;
        continue;
      }
      out.push({ snapshotId: run.first.id, time: run.first.time, lastSnapshotId: run.last.id, lastTime: run.last.time, snapshots: run.count,
        type: r.type, size: r.size, mtime: new Date(r.mtimeMs).toISOString(), fingerprint: r.fingerprint });
    }
    return { versions: out.reverse().map(({ fingerprint: _f, ...v }) => v), inLatest };
  }
}
