import { HavreError } from '../../errors/index.js';
import type { BlobType, PackEntry } from '../../catalog/types.js';

/** One pack entry on the wire: type, codec, reserved, offset, storedLength, rawLength, id (FORMAT.md §6). */
export const ENTRY_SIZE = 48;

export function writeEntry(buf: Buffer, at: number, e: PackEntry): void {
  buf.writeUInt8(e.type, at);
  buf.writeUInt8(e.codec, at + 1);
  buf.writeUInt16LE(0, at + 2);
  buf.writeUInt32LE(e.offset, at + 4);
  buf.writeUInt32LE(e.storedLength, at + 8);
  buf.writeUInt32LE(e.rawLength, at + 12);
  e.id.copy(buf, at + 16);
}

export function readEntry(buf: Buffer, at: number, what: string): PackEntry {
  const type = buf.readUInt8(at);
  if (type !== 0 && type !== 1) throw new HavreError('INTEGRITY', { what: `${what} (blob type ${type})` });
  return {
    type: type as BlobType,
    codec: buf.readUInt8(at + 1),
    offset: buf.readUInt32LE(at + 4),
    storedLength: buf.readUInt32LE(at + 8),
    rawLength: buf.readUInt32LE(at + 12),
    id: Buffer.from(buf.subarray(at + 16, at + 48)),
  };
}

/** u32(count) ‖ entry*, the plaintext of a pack header. */
export function encodeEntries(entries: readonly PackEntry[]): Buffer {
  const buf = Buffer.alloc(4 + entries.length * ENTRY_SIZE);
  buf.writeUInt32LE(entries.length, 0);
  entries.forEach((e, i) => writeEntry(buf, 4 + i * ENTRY_SIZE, e));
  return buf;
}

export function decodeEntries(buf: Buffer, what: string): PackEntry[] {
  if (buf.length < 4) throw new HavreError('INTEGRITY', { what });
  const count = buf.readUInt32LE(0);
  if (buf.length !== 4 + count * ENTRY_SIZE) throw new HavreError('INTEGRITY', { what });
  const out: PackEntry[] = [];
  for (let i = 0; i < count; i++) out.push(readEntry(buf, 4 + i * ENTRY_SIZE, what));
  return out;
}

/** Entries must lie inside the blob area, in order and without overlap. */
export function checkEntryBounds(entries: readonly PackEntry[], blobAreaStart: number, blobAreaEnd: number, what: string): void {
  let pos = blobAreaStart;
  for (const e of entries) {
    if (e.offset < pos || e.storedLength < 28 || e.offset + e.storedLength > blobAreaEnd) {
      throw new HavreError('INTEGRITY', { what: `${what} (entry out of bounds)` });
    }
    pos = e.offset + e.storedLength;
  }
}
