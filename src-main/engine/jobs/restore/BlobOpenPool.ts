import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlobLocation } from '../../catalog/index.js';
import { HavreError } from '../../errors/index.js';
import type { Repository } from '../../repo/index.js';
import { workerFile } from '../shared/workerUrl.js';
import type { OpenReply, OpenRequest, OpenWorkerInit } from './blobOpenProtocol.js';

/** Opens sealed blobs on worker threads, one per core: the CPU half of restore. */
export class BlobOpenPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void; worker: number }>();
  private seq = 0;
  private fatal: unknown = null;

  constructor(repo: Repository, size = Math.max(1, availableParallelism())) {
    const init: OpenWorkerInit = { encKey: repo.keys.enc, idKey: repo.keys.id };
    const file = workerFile(new URL('./blobOpenWorker.js', import.meta.url));
    for (let i = 0; i < size; i++) {
      const w = new Worker(file, { workerData: init });
      w.on('message', (m: OpenReply) => this.onReply(m));
      w.on('error', (e) => this.fail(new HavreError('INTERNAL', { reason: `restore worker failed: ${e.message}` }, { cause: e })));
      this.workers.push(w);
      this.load.push(0);
    }
  }

  /** The authenticated plaintext of a blob, or HavreError INTEGRITY. */
  open(id: Buffer, loc: Pick<BlobLocation, 'codec' | 'rawLength'>, sealed: Buffer): Promise<Buffer> {
    if (this.fatal) return Promise.reject(this.fatal);
    const worker = this.load.indexOf(Math.min(...this.load));
    const seq = this.seq++;
    this.load[worker]!++;
    // Copy into memory of its own only when the read shares an ArrayBuffer (transfer detaches it).
    const own = sealed.byteOffset === 0 && sealed.byteLength === sealed.buffer.byteLength ? sealed : Buffer.from(sealed);
    const msg: OpenRequest = { seq, id: new Uint8Array(id), codec: loc.codec, rawLength: loc.rawLength, sealed: own };
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject, worker });
      this.workers[worker]!.postMessage(msg, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onReply(m: OpenReply): void {
    const w = this.waiting.get(m.seq);
    if (!w) return;
    this.waiting.delete(m.seq);
    this.load[w.worker]!--;
    if ('plain' in m) w.resolve(Buffer.from(m.plain.buffer, m.plain.byteOffset, m.plain.byteLength));
    else w.reject(new HavreError('INTEGRITY', { what: m.error }));
  }

  private fail(e: unknown): void {
    this.fatal ??= e;
    for (const w of this.waiting.values()) w.reject(this.fatal);
    this.waiting.clear();
  }
}
