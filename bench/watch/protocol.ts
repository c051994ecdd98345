// The line protocol between the watcher bench driver (run.ts) and one watcher child (child.ts):
// one JSON object per line, commands on the child's stdin, replies and notices on its stdout.
// Plain pipes, not Node's IPC channel, so the child also runs behind `unshare` (the inotify-limit
// scenarios) and its CPU time is not spent serialising for an IPC channel.

export const LIBRARIES = ['parcel', 'chokidar', 'havre', 'none'] as const;
/** `havre` is the engine's FileWatcher (parcel in a watch host process, plus what it adds);
 *  `none` loads no watcher: the baseline RSS and idle CPU of a bare Node child. */
export type Library = (typeof LIBRARIES)[number];

export type Command =
  | { cmd: 'start' }
  /** forget what was seen so far (before a phase) */
  | { cmd: 'reset' }
  /** distinct paths seen under `prefix`, split by basename prefix (`f…` files, `d…` folders) */
  | { cmd: 'count'; prefix: string }
  /** reply with the first time `path` was seen (ms, performance.timeOrigin + now), waiting up to timeoutMs */
  | { cmd: 'await'; path: string; timeoutMs: number }
  /** how many of `paths` were seen, and how many of them before ready */
  | { cmd: 'has'; paths: string[] }
  | { cmd: 'close' };

export type Notice =
  | { type: 'loaded'; loadMs: number; pid: number }
  /** sent just before the library is asked to watch: the driver starts its pre-ready writes */
  | { type: 'starting' }
  | { type: 'ready'; startMs: number; eventsBeforeReady: number; at: number }
  | { type: 'startFailed'; message: string; code?: string }
  | { type: 'count'; files: number; dirs: number; events: number; lastEventAt: number }
  | { type: 'seen'; path: string; at: number | null }
  | { type: 'has'; found: number; foundBeforeReady: number }
  | { type: 'error'; message: string; code?: string; at: number }
  | { type: 'closed'; closeMs: number };

/** A wall-clock time with sub-millisecond resolution, comparable between processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
