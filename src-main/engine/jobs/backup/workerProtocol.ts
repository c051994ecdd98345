// Messages between the backup's main thread and its chunk workers. Keys travel only in workerData.

export interface WorkerInit {
  readonly encKey: Buffer;
  readonly idKey: Buffer;
  readonly chunkerKey: Buffer;
  readonly chunker: { min: number; avg: number; max: number };
}

export type ToWorker =
  | { t: 'file'; taskId: number; path: string }
  | { t: 'claimed'; seq: number; isNew: boolean }
  | { t: 'stop' };

export type FromWorker =
  | { t: 'claim'; seq: number; id: Uint8Array }
  /** `claimed` false: a small chunk sent without asking (the main thread claims it, or drops a duplicate). */
  | { t: 'blob'; id: Uint8Array; codec: number; rawLength: number; sealed: Uint8Array; claimed: boolean }
  | { t: 'done'; taskId: number; ids: string[]; bytes: number }
  | { t: 'fail'; taskId: number; errno: string; message: string };
