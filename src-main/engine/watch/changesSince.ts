// What changed under a root while Havre was not running, from a snapshot written when it stopped.
// What this really does depends on the platform (README.md, "Changes while stopped"):
// - macOS: the snapshot holds an FSEvents event id; the answer replays the system's journal.
// - Linux, Windows: parcel has no journal there (it does not read the USN journal): the snapshot
//   lists every path with its mtime, and the answer crawls the whole tree and compares mtimes,
//   which costs what a parcel start-up costs and misses a change that kept its mtime.
// The snapshot holds the paths of the tree (as the catalog does): keep it in HAVRE_HOME; it is
// written 0600 and replaced atomically.
import { existsSync, lstatSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { HavreError } from '../errors/index.js';
import { compileIgnore } from './ignore.js';
import { classifyParcelError, parcelSnapshots } from './parcel.js';
import { parcelBackend } from './platform.js';
import type { FileChange, WatchIgnore } from './types.js';

export interface ChangesSince {
  changes: FileChange[];
  /** `journal`: the OS's change journal (macOS); `crawl`: the tree was walked and compared by mtime */
  method: 'journal' | 'crawl';
}

function asHavreError(root: string, e: unknown): HavreError {
  const f = classifyParcelError(e);
  if (f.kind === 'gone') return new HavreError('WATCH_ROOT_GONE', { root, reason: f.reason }, { cause: e });
  return new HavreError('WATCH_FAILED', { root, reason: f.reason }, { cause: e });
}

/** Parcel says "Bad file descriptor" for a root that is not there: say what it is. */
function checkRoot(root: string): void {
  const st = lstatSync(root, { throwIfNoEntry: false });
  if (!st) throw new HavreError('WATCH_ROOT_GONE', { root, reason: 'not found' });
  if (!st.isDirectory()) throw new HavreError('WATCH_ROOT_GONE', { root, reason: 'replaced by a file' });
}

/** Writes the snapshot `changesSince` starts from. Cheap while a FileWatcher watches `root` with the
 *  same ignore list (parcel writes out the tree it keeps); a crawl otherwise (Linux, Windows). */
export async function writeChangeSnapshot(root: string, file: string, ignore?: WatchIgnore): Promise<void> {
  checkRoot(root);
  const tmp = `${file}.tmp-${process.pid}`;
  // Created 0600 first: parcel opens it with fopen("w"), which keeps the mode of an existing file.
  try {
    await (await open(tmp, 'w', 0o600)).close();
  } catch (e) {
    throw new HavreError('WATCH_FAILED', { root, reason: `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }, { cause: e });
  }
  try {
    await parcelSnapshots.write(root, tmp, parcelBackend(), compileIgnore(root, ignore).parcelIgnore(root));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw asHavreError(root, e);
  }
}

/** The changes since the snapshot in `file`, or null when there is none (scan everything). */
export async function changesSince(root: string, file: string, ignore?: WatchIgnore): Promise<ChangesSince | null> {
  // parcel answers "no change" for a missing snapshot on macOS: tell the caller instead
  if (!existsSync(file)) return null;
  checkRoot(root);
  const compiled = compileIgnore(root, ignore);
  let events;
  try {
    events = await parcelSnapshots.eventsSince(root, file, parcelBackend(), compiled.parcelIgnore(root));
  } catch (e) {
    throw asHavreError(root, e);
  }
  return {
    changes: events.filter((e) => e.path !== root && !compiled.matches(e.path)).map((e) => ({ path: e.path, kind: e.type })),
    method: process.platform === 'darwin' ? 'journal' : 'crawl',
  };
}
