// The watcher's contract with the rest of the engine. Changes are hints: a consumer checks the
// file system (and the catalog) before acting, and runs a reconcile scan whenever `rescan` says so.
import type { HavreError } from '../errors/index.js';

export type ChangeKind = 'create' | 'update' | 'delete';

export interface FileChange {
  /** absolute path, as reported under its watched root */
  readonly path: string;
  /** a hint: a path reported `create` may already be gone, a `delete` may have come back */
  readonly kind: ChangeKind;
}

export type WatchErrorCode = 'WATCH_LIMIT' | 'WATCH_OVERFLOW' | 'WATCH_ROOT_GONE' | 'WATCH_FAILED';

/**
 * What the watch of one root covers now:
 * - `watching`: every folder below it (events may still be lost: see README, "What can be missed");
 * - `partial`: new folders are not watched any more (inotify limit); the rest is;
 * - `stopped`: nothing is watched; the watcher retries on its own (a drive coming back, the limit
 *   raised) and says `watching` again with `rescan: true`;
 * - `closed`: close() was called.
 */
export type RootState = 'watching' | 'partial' | 'stopped' | 'closed';

export type WatchEvent =
  /** changes under the roots, each path at most once per batch */
  | { readonly type: 'changes'; readonly changes: readonly FileChange[] }
  /** a problem with one root; never thrown. `rescan`: changes under `root` may have been missed. */
  | { readonly type: 'problem'; readonly root: string; readonly error: HavreError & { code: WatchErrorCode }; readonly rescan: boolean; readonly state: RootState }
  /** a root's watch changed state without a problem (a stopped root watched again) */
  | { readonly type: 'state'; readonly root: string; readonly state: RootState; readonly rescan: boolean };

export type WatchListener = (event: WatchEvent) => void;

export interface WatchIgnore {
  /** absolute paths never watched nor reported, with everything below them (matched natively) */
  readonly paths?: readonly string[];
  /** glob patterns (picomatch syntax, dot files included) matched against the path relative to
   *  each root, e.g. `**\/node_modules`, `**\/*.tmp`; matched folders are not even watched */
  readonly globs?: readonly string[];
  /** anything else policy excludes, called with each absolute path before it is reported */
  readonly predicate?: (path: string) => boolean;
}

export interface WatchOptions {
  /** absolute folders to watch; nested roots are allowed (events are reported once) */
  readonly roots: readonly string[];
  readonly ignore?: WatchIgnore;
  /** how long changes are gathered before a batch is delivered (ms, default 20) */
  readonly batchMs?: number;
  /** how often each root is checked to still be the folder it was (ms, default 5000): a drive pulled
   *  out gives no inotify event at all */
  readonly rootCheckMs?: number;
  /** how long a stopped root waits before the watcher tries again (ms, default 60 000; a gone root
   *  is looked for at every root check instead) */
  readonly retryMs?: number;
  /** Linux: this many distinct changes within one second count as a possible overflow (default: half
   *  of fs.inotify.max_queued_events, else 8192); see README */
  readonly overflowBurst?: number;
}

export interface RootStatus {
  readonly root: string;
  readonly state: RootState;
}
