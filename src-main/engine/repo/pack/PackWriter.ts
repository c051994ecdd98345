import { randomFillSync } from 'node:crypto';
import { seal } from '../../crypto/index.js';
import type { PackEntry } from '../../catalog/types.js';
import { objectName } from '../../store/index.js';
import { encodeEntries } from './entries.js';
import { paddedPackLength } from './padme.js';

export const PACK_MAGIC = Buffer.from('HVRPACK1', 'ascii');
export const PACK_HEADER_AAD = Buffer.from('havre/v1/pack-header', 'utf8');

export interface FinishedPack {
  readonly packId: string;
  readonly bytes: Buffer;
  readonly entries: PackEntry[];
}

/** Collects sealed blobs and turns them into one pack (FORMAT.md §6). */
export class PackWriter {
  private readonly parts: Buffer[] = [PACK_MAGIC];
  private readonly entries: PackEntry[] = [];
  private length = PACK_MAGIC.length;

  get size(): number {
    return this.length;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds a blob already sealed with AAD = id. */
  add(meta: Omit<PackEntry, 'offset' | 'storedLength'>, sealed: Buffer): void {
    this.entries.push({ ...meta, offset: this.length, storedLength: sealed.length });
    this.parts.push(sealed);
    this.length += sealed.length;
  }

  finish(encKey: Buffer): FinishedPack {
    const header = seal(encKey, encodeEntries(this.entries), PACK_HEADER_AAD);
    const unpadded = this.length + header.length + 4;
    const padding = Buffer.allocUnsafe(paddedPackLength(unpadded) - unpadded);
    randomFillSync(padding);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(header.length, 0);
    const bytes = Buffer.concat([...this.parts, padding, header, tail]);
    return { packId: objectName(bytes), bytes, entries: this.entries };
  }
}
