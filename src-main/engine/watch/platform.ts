// What differs per OS: parcel's backend, whether each folder needs a watch of its own (inotify), the
// inotify limits and how to tell that the watch limit is reached.
import { readFileSync, watch } from 'node:fs';

export type ParcelBackend = 'inotify' | 'fs-events' | 'windows' | 'brute-force';

/** Always name the backend: parcel's default on Linux is watchman whenever it is installed. */
export function parcelBackend(platform: NodeJS.Platform = process.platform): ParcelBackend {
  if (platform === 'linux') return 'inotify';
  if (platform === 'darwin') return 'fs-events';
  if (platform === 'win32') return 'windows';
  return 'brute-force';
}

/** inotify watches one folder per watch and reports nothing about what a new folder already holds;
 *  FSEvents and ReadDirectoryChangesW watch a whole tree. */
export function perFolderWatches(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'linux';
}

function readInt(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export interface InotifyLimits {
  maxUserWatches: number | null;
  maxQueuedEvents: number | null;
}

export function inotifyLimits(): InotifyLimits {
  return {
    // the limit of this process's user namespace (Linux ≥ 5.11), else the machine's
    maxUserWatches: readInt('/proc/sys/user/max_inotify_watches') ?? readInt('/proc/sys/fs/inotify/max_user_watches'),
    maxQueuedEvents: readInt('/proc/sys/fs/inotify/max_queued_events'),
  };
}

/** The value to tell IT to set: at least 524 288 (what most distributions now ship), else double. */
export function suggestedWatchLimit(current: number | null): number {
  return Math.max(524_288, (current ?? 0) * 2);
}

/** Linux: distinct changes within one second taken as a possible queue overflow. */
export function defaultOverflowBurst(limits: InotifyLimits = inotifyLimits()): number {
  return limits.maxQueuedEvents ? Math.max(1024, Math.floor(limits.maxQueuedEvents / 2)) : 8192;
}

export function isWatchLimitError(message: string, code?: string): boolean {
  return code === 'ENOSPC' || /No space left on device|ENOSPC/i.test(message);
}

/**
 * Whether one more inotify watch can be added right now, by adding one (Node's own inotify
 * instance) and removing it at once. Parcel drops a new folder it cannot watch without a word;
 * this is how we notice. `unknown` on other errors (the folder vanished…).
 */
export function probeWatch(dir: string): 'ok' | 'limit' | 'unknown' {
  try {
    watch(dir, { persistent: false }).close();
    return 'ok';
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return isWatchLimitError(err.message, err.code) ? 'limit' : 'unknown';
  }
}
