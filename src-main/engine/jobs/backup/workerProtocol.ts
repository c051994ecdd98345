// Messages between the backup's main thread and its chunk workers. Keys travel only in workerData.

/**
 * Files up to this size (by the main thread's lstat) are read whole with synchronous calls in the
 * worker, which has nothing else to do meanwhile: an asynchronous open, read and close cost three
 * round trips to libuv's thread pool, about 200 µs of CPU per file, most of a small file's cost.
 * Larger files are streamed, and fewer of them are in flight (runBackup), to bound their buffers;
 * past 256 KiB the round trips are under a few percent of a file's cost, so reading whole gains
 * nothing and would only hold more memory (32 small files in flight).
 */
export const READ_WHOLE_MAX = 256 * 1024;

export interface WorkerInit {
  readonly encKey: Buffer;
  readonly idKey: Buffer;
  readonly chunkerKey: Buffer;
  readonly chunker: { min: number; avg: number; max: number };
}

/** Each postMessage carries an array of these, in order (MessageBatch). */
export type ToWorker =
  /** `size`: what lstat said just before; a small file is read whole, synchronously (chunkWorker). */
  | { t: 'file'; taskId: number; path: string; size: number }
  | { t: 'claimed'; seq: number; isNew: boolean }
  | { t: 'stop' };

/** Each postMessage carries an array of these, in order (MessageBatch): a file's blobs come before its `done`. */
export type FromWorker =
  | { t: 'claim'; seq: number; id: Uint8Array }
  /** `claimed` false: a small chunk sent without asking (the main thread claims it, or drops a duplicate). */
  | { t: 'blob'; id: Uint8Array; codec: number; rawLength: number; sealed: Uint8Array; claimed: boolean }
  | { t: 'done'; taskId: number; ids: string[]; bytes: number }
  | { t: 'fail'; taskId: number; errno: string; message: string };
