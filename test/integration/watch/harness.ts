// A FileWatcher on real folders, with what it reported kept for assertions. Waiting is by polling
// with a generous deadline that only catches a hang: no test asserts how fast anything is.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWatcher, type ChangeKind, type WatchEvent, type WatchOptions } from '../../../src-main/engine/watch/index.js';

export type Problem = Extract<WatchEvent, { type: 'problem' }>;
export type StateChange = Extract<WatchEvent, { type: 'state' }>;

export interface Watched {
  watcher: FileWatcher;
  /** every change reported, in order */
  changes: { path: string; kind: ChangeKind }[];
  /** the last kind reported per path */
  last: Map<string, ChangeKind>;
  problems: Problem[];
  states: StateChange[];
  /** the order problems, states and changes arrived in */
  log: string[];
  close(): Promise<void>;
}

/** What the tests of a file opened, released after each test (`afterEach(releaseAll)`). */
const open: { close(): Promise<void> | void }[] = [];

export async function releaseAll(): Promise<void> {
  for (const o of open.splice(0).reverse()) await o.close();
}

export async function watch(roots: string[], options: Partial<WatchOptions> = {}): Promise<Watched> {
  const w: Omit<Watched, 'watcher' | 'close'> = { changes: [], last: new Map(), problems: [], states: [], log: [] };
  const watcher = await FileWatcher.start({ rootCheckMs: 300, retryMs: 1000, ...options, roots }, (ev) => {
    if (ev.type === 'changes') {
      for (const c of ev.changes) {
        w.changes.push(c);
        w.last.set(c.path, c.kind);
        w.log.push(`${c.kind} ${c.path}`);
      }
    } else if (ev.type === 'problem') {
      w.problems.push(ev);
      w.log.push(`problem ${ev.error.code} ${ev.state}`);
    } else {
      w.states.push(ev);
      w.log.push(`state ${ev.state} rescan=${ev.rescan}`);
    }
  });
  const watched = { ...w, watcher, close: () => watcher.close() };
  open.push(watched);
  return watched;
}

export { until } from '../../helpers/until.js';

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface TempDir {
  dir: string;
}

/** A fresh temporary folder holding an empty folder `name` to watch; both removed after the test. */
export function scratchRoot(label: string, name = 'Documents'): { tmp: TempDir; root: string } {
  const tmp = tempRoot(label);
  const root = join(tmp.dir, name);
  mkdirSync(root);
  return { tmp, root };
}

/** A fresh folder, removed after the test. */
export function tempRoot(label: string): TempDir {
  const dir = mkdtempSync(join(tmpdir(), `havre-watch-${label}-`));
  open.push({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return { dir };
}

/** This test process's watch host processes (its children running the host script). */
export function watchHosts(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('watch/host/main.js')) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Inotify watches held by this test process's watch hosts. */
export function hostWatches(): number {
  let n = 0;
  for (const pid of watchHosts()) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) n += (readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm) ?? []).length;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}
