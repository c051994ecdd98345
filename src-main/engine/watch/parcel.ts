// The glue to @parcel/watcher: twin subscriptions and what its errors mean.
//
// Why twins: parcel's Watcher::triggerCallbacks (src/Watcher.cc, 2.6.0) copies the pending events
// and clears the list under two separate locks; events its inotify thread adds in between are
// dropped without a word. Measured here: 1 to 204 of 100,000 new files never reported by one
// subscription. Two subscriptions on the same folder get their own event lists and are flushed one
// after the other, so an event one loses the other delivers (0 lost in every run we made). Parcel
// shares the inotify watches and the folder tree between them: the cost is a second event list and
// a second callback per batch, not a second set of watches.
import parcelWatcher from '@parcel/watcher';
import { resolve } from 'node:path';
import type { ParcelBackend } from './platform.js';
import { isWatchLimitError } from './platform.js';

export interface ParcelEvent {
  path: string;
  type: 'create' | 'update' | 'delete';
}

export type ParcelCallback = (err: Error | null, events: ParcelEvent[]) => void;

export interface Subscription {
  readonly dir: string;
  unsubscribe(): Promise<void>;
}

/** Parcel reuses one Watcher per (folder, ignore list): a second subscription needs a different
 *  ignore list, so the twin ignores one more path, outside every root, that no one uses. */
const TWIN_MARK = resolve('/', '.havre-watch-twin');

/** Subscribes twice to `dir`; `onEvents(err, events, primary)` is told which twin spoke. */
export async function subscribeTwin(dir: string, backend: ParcelBackend, ignore: string[], onEvents: (err: Error | null, events: ParcelEvent[], primary: boolean) => void): Promise<Subscription> {
  const first = await parcelWatcher.subscribe(dir, (err, events) => onEvents(err, events, true), { backend, ignore });
  let second;
  try {
    second = await parcelWatcher.subscribe(dir, (err, events) => onEvents(err, events, false), { backend, ignore: [...ignore, TWIN_MARK] });
  } catch (e) {
    await first.unsubscribe().catch(() => {});
    throw e;
  }
  return {
    dir,
    async unsubscribe() {
      // Parcel throws when a watch is already gone (the folder was deleted): nothing is left to free.
      await Promise.allSettled([first.unsubscribe(), second.unsubscribe()]);
    },
  };
}

export type ParcelFailure = 'limit' | 'overflow' | 'gone' | 'other';

/** What a message from parcel (a subscribe that failed, or an error in the callback) means. */
export function classifyParcelError(e: unknown): { kind: ParcelFailure; reason: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  const reason = err.message.split('\n')[0] ?? err.message;
  if (isWatchLimitError(err.message, code)) return { kind: 'limit', reason };
  // FSEvents: "...dropped by the kernel. File system must be re-scanned."; Windows: "Buffer overflow.
  // Some events may have been lost."
  if (/must be re-scanned|buffer overflow|events may have been lost/i.test(err.message)) return { kind: 'overflow', reason };
  if (/no such file or directory|not a directory|ENOENT|ENOTDIR/i.test(err.message)) return { kind: 'gone', reason };
  return { kind: 'other', reason };
}

/** Parcel's change journal (see changesSince.ts). */
export const parcelSnapshots = {
  write: (dir: string, file: string, backend: ParcelBackend, ignore: string[]) => parcelWatcher.writeSnapshot(dir, file, { backend, ignore }),
  eventsSince: (dir: string, file: string, backend: ParcelBackend, ignore: string[]) => parcelWatcher.getEventsSince(dir, file, { backend, ignore }) as Promise<ParcelEvent[]>,
};
