import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HavreError } from '../../errors/index.js';
import type { Repository } from '../../repo/index.js';
import { MessageBatch } from '../shared/MessageBatch.js';
import { workerFile } from '../shared/workerUrl.js';
import type { BlobSink } from './BlobSink.js';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol.js';

export interface FileResult {
  readonly ids: string[];
  readonly bytes: number;
}

/** A file could not be read: errno says why (ENOENT: it vanished; EACCES: permission). */
export class FileReadError extends Error {
  constructor(readonly errno: string, message: string) {
    super(message);
  }
}

interface Task {
  resolve: (r: FileResult) => void;
  reject: (e: unknown) => void;
  worker: number;
}

/** Runs files through chunk workers, one per core, answering their dedup claims. */
export class ChunkWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly outboxes: MessageBatch<ToWorker>[] = [];
  private readonly load: number[] = [];
  private readonly tasks = new Map<number, Task>();
  private nextTask = 0;
  private fatal: unknown = null;

  private readonly init: WorkerInit;

  constructor(repo: Repository, private readonly sink: BlobSink, private readonly size = Math.max(1, availableParallelism())) {
    this.init = { encKey: repo.keys.enc, idKey: repo.keys.id, chunkerKey: repo.keys.chunker, chunker: repo.config.chunker };
  }

  /**
   * Workers start with the first file to read: a backup of an unchanged tree reads none, and on two
   * cores their start-up (about 0.13 s of CPU each) would compete with the walk.
   */
  private start(): void {
    const file = workerFile(new URL('./chunkWorker.js', import.meta.url));
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(file, { workerData: this.init });
      w.on('message', (msgs: FromWorker[]) => {
        for (const m of msgs) this.onMessage(i, m);
      });
      w.on('error', (e) => this.fail(new HavreError('INTERNAL', { reason: `backup worker failed: ${e.message}` }, { cause: e })));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new HavreError('INTERNAL', { reason: `backup worker exited with code ${code}` }));
      });
      this.workers.push(w);
      this.outboxes.push(new MessageBatch<ToWorker>((msgs) => w.postMessage(msgs)));
      this.load.push(0);
    }
  }

  /** `size`: the file's size from the caller's lstat (it picks how the worker reads it). */
  backupFile(path: string, size: number): Promise<FileResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.workers.length === 0) this.start();
    const worker = this.load.indexOf(Math.min(...this.load));
    const taskId = this.nextTask++;
    this.load[worker]!++;
    return new Promise<FileResult>((resolve, reject) => {
      this.tasks.set(taskId, { resolve, reject, worker });
      this.post(worker, { t: 'file', taskId, path, size });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private post(worker: number, msg: ToWorker): void {
    this.outboxes[worker]!.push(msg);
  }

  private onMessage(worker: number, m: FromWorker): void {
    switch (m.t) {
      case 'claim': {
        const isNew = this.sink.claim(Buffer.from(m.id));
        // Backpressure: a worker with a new blob waits while packs are queued for the store.
        if (!isNew) this.post(worker, { t: 'claimed', seq: m.seq, isNew });
        else this.sink.waitForRoom().then(() => this.post(worker, { t: 'claimed', seq: m.seq, isNew }), (e: unknown) => this.fail(e));
        break;
      }
      case 'blob':
        try {
          if (!m.claimed && !this.sink.claim(Buffer.from(m.id))) break; // a duplicate of a blob already stored or on its way
          this.sink.add(Buffer.from(m.id), m.codec, m.rawLength, Buffer.from(m.sealed.buffer, m.sealed.byteOffset, m.sealed.byteLength));
        } catch (e) {
          this.fail(e);
        }
        break;
      case 'done':
      case 'fail': {
        const task = this.tasks.get(m.taskId);
        if (!task) return;
        this.tasks.delete(m.taskId);
        this.load[task.worker]!--;
        // Backpressure for small files, whose blobs come unasked: the next file waits while packs queue for the store.
        if (m.t === 'done') this.sink.waitForRoom().then(() => task.resolve({ ids: m.ids, bytes: m.bytes }), (e: unknown) => task.reject(e));
        else task.reject(new FileReadError(m.errno, m.message));
        break;
      }
    }
  }

  private fail(e: unknown): void {
    this.fatal ??= e;
    for (const t of this.tasks.values()) t.reject(this.fatal);
    this.tasks.clear();
  }
}
