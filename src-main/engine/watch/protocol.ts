// Messages between FileWatcher (in the engine) and its watch host (a child process running
// @parcel/watcher). Plain JSON over Node's IPC channel: paths, codes and counts, never file content.
import type { ChangeKind, RootState, WatchErrorCode } from './types.js';

export interface HostSettings {
  backend: 'inotify' | 'fs-events' | 'windows' | 'brute-force';
  perFolderWatches: boolean;
  rootCheckMs: number;
  overflowBurst: number;
}

export type ToHost =
  | { type: 'start'; roots: string[]; ignore: { paths: string[]; globs: string[] }; settings: HostSettings }
  | { type: 'close' };

/** Why a root needs a fresh subscription, which parcel can only give in a fresh process (README). */
/** `room`: the watch limit left room again, which may not be enough: the engine waits longer each time. */
export type ResubscribeReason = 'back' | 'consolidate' | 'overflow' | 'room';

export type FromHost =
  /** every root was tried once; `states` says what came of it */
  | { type: 'ready'; states: Record<string, RootState> }
  /** [path, kind] pairs, to keep the messages of a burst small */
  | { type: 'changes'; changes: [string, ChangeKind][] }
  | { type: 'problem'; root: string; code: WatchErrorCode; params: Record<string, string | number>; rescan: boolean; state: RootState }
  | { type: 'resubscribe'; root: string; reason: ResubscribeReason }
  | { type: 'closed' };
