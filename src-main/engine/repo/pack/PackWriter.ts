import { randomFillSync } from 'node:crypto';
import { seal } from '../../crypto/index.js';
import type { PackEntry } from '../../catalog/types.js';
import { objectName } from '../../store/index.js';
import { encodeEntries } from './entries.js';
import { MIN_PACK_SIZE, paddedPackLength } from './padme.js';

export const PACK_MAGIC = Buffer.from('HVRPACK1', 'ascii');
export const PACK_HEADER_AAD = Buffer.from('havre/v1/pack-header', 'utf8');

export interface FinishedPack {
  readonly packId: string;
  readonly bytes: Buffer;
  readonly entries: PackEntry[];
}

/**
 * Collects sealed blobs and turns them into one pack (FORMAT.md §6). Blobs are copied into one
 * buffer as they come, so a pack is held once (not as its blobs and then as their concatenation)
 * and each blob's own buffer can go at once.
 */
export class PackWriter {
  private buf: Buffer;
  private readonly entries: PackEntry[] = [];
  private length = PACK_MAGIC.length;

  /** `capacity`: the bytes expected, padding and header included; the buffer grows past it if needed. */
  constructor(capacity = 1 << 20) {
    // Zeroed, not allocUnsafe: bytes past the pack's end never hold another buffer's leftovers.
    this.buf = Buffer.alloc(Math.max(capacity, MIN_PACK_SIZE));
    PACK_MAGIC.copy(this.buf, 0);
  }

  /** The room a pack of `packSize` needs at most: one blob past the limit is rare; padding is under 12 %. */
  static capacityFor(packSize: number): number {
    return packSize + Math.ceil(packSize / 8) + (1 << 20);
  }

  get size(): number {
    return this.length;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds a blob already sealed with AAD = id. */
  add(meta: Omit<PackEntry, 'offset' | 'storedLength'>, sealed: Buffer): void {
    this.reserve(sealed.length);
    this.entries.push({ ...meta, offset: this.length, storedLength: sealed.length });
    sealed.copy(this.buf, this.length);
    this.length += sealed.length;
  }

  finish(encKey: Buffer): FinishedPack {
    const header = seal(encKey, encodeEntries(this.entries), PACK_HEADER_AAD);
    const unpadded = this.length + header.length + 4;
    const total = paddedPackLength(unpadded);
    this.reserve(total - this.length);
    randomFillSync(this.buf, this.length, total - unpadded);
    header.copy(this.buf, total - 4 - header.length);
    this.buf.writeUInt32LE(header.length, total - 4);
    const bytes = this.buf.subarray(0, total);
    return { packId: objectName(bytes), bytes, entries: this.entries };
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(this.length + more, Math.ceil(this.buf.length * 1.5)));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}
