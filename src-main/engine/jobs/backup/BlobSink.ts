import type { BlobType } from '../../catalog/index.js';
import type { Repository } from '../../repo/index.js';
import { PackWriter } from '../../repo/index.js';

/** How many finished packs may be on their way to the store at once before producers wait. */
const MAX_SAVING = 2;

/**
 * Collects sealed blobs of one type into packs and saves them. Owns dedup for blobs not yet in the
 * catalog: an id is "known" once claimed, so two files with the same chunk store it once.
 */
export class BlobSink {
  private writer: PackWriter;
  private readonly pending = new Set<string>();
  private readonly saving: Promise<void>[] = [];
  private failure: unknown = null;
  /** Number of the pack being filled; packs are saved possibly out of order. */
  private openPack = 0;
  /** Every pack numbered below this one is saved (and in the catalog). */
  private durable = 0;
  private readonly savedOutOfOrder = new Set<number>();
  addedBytes = 0;
  storedBytes = 0;
  packs = 0;

  /** `indexBlobs`: an index object is written once packs saved name this many blobs (Repository.flushIndexIfLarge). */
  constructor(private readonly repo: Repository, private readonly type: BlobType, private readonly indexBlobs?: number) {
    this.writer = this.newWriter();
  }

  /** True when the blob is stored or on its way; otherwise reserves it for the caller to send. */
  claim(id: Buffer): boolean {
    const hex = id.toString('hex');
    if (this.pending.has(hex) || this.repo.catalog.hasBlob(id)) return false;
    this.pending.add(hex);
    return true;
  }

  add(id: Buffer, codec: number, rawLength: number, sealed: Buffer): void {
    this.throwIfFailed();
    this.writer.add({ id, type: this.type, codec, rawLength }, sealed);
    this.addedBytes += rawLength;
    this.storedBytes += sealed.length;
    if (this.writer.size >= this.repo.config.packSize) this.rotate();
  }

  /** Resolves when fewer than MAX_SAVING packs are being written: backpressure for producers. */
  async waitForRoom(): Promise<void> {
    while (this.saving.length >= MAX_SAVING) await this.saving[0];
    this.throwIfFailed();
  }

  /** A mark to give to `isDurable` later: blobs claimed or added so far are in packs up to it. */
  mark(): number {
    return this.openPack;
  }

  /** True once every blob claimed or added before `mark()` returned `m` is saved in the store. */
  isDurable(m: number): boolean {
    return this.durable > m;
  }

  async flush(): Promise<void> {
    if (this.writer.count > 0) this.rotate();
    await Promise.all(this.saving);
    this.throwIfFailed();
  }

  /** Waits for the packs on their way, whatever becomes of them (a cancelled backup). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.saving]);
  }

  private rotate(): void {
    const pack = this.writer.finish(this.repo.keys.enc);
    this.writer = this.newWriter();
    this.packs++;
    const n = this.openPack++;
    const p: Promise<void> = this.repo
      .savePack(pack)
      .then(() => {
        for (const e of pack.entries) this.pending.delete(e.id.toString('hex'));
        this.savedOutOfOrder.add(n);
        while (this.savedOutOfOrder.delete(this.durable)) this.durable++;
        // Not awaited: the pack is stored; an index that fails here is written by the backup's last flush.
        this.repo.flushIndexIfLarge(this.indexBlobs).catch(() => undefined);
      })
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.saving.splice(this.saving.indexOf(p), 1);
      });
    this.saving.push(p);
  }

  private newWriter(): PackWriter {
    return new PackWriter(PackWriter.capacityFor(this.repo.config.packSize));
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
