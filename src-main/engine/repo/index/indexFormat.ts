import { HavreError } from '../../errors/index.js';
import type { PackEntry } from '../../catalog/types.js';
import { ENTRY_SIZE, readEntry, writeEntry } from '../pack/entries.js';
import { openDocument, sealDocument, DOC_KIND } from '../document.js';

export interface IndexedPack {
  readonly packId: string;
  readonly size: number;
  readonly entries: readonly PackEntry[];
}

/** payload := u32(packCount) ‖ (packId ‖ u32(packLength) ‖ u32(count) ‖ entry*)*  (FORMAT.md §7) */
export function encodeIndex(packs: readonly IndexedPack[], encKey: Buffer): Buffer {
  let len = 4;
  for (const p of packs) len += 32 + 8 + p.entries.length * ENTRY_SIZE;
  const buf = Buffer.alloc(len);
  buf.writeUInt32LE(packs.length, 0);
  let at = 4;
  for (const p of packs) {
    Buffer.from(p.packId, 'hex').copy(buf, at);
    buf.writeUInt32LE(p.size, at + 32);
    buf.writeUInt32LE(p.entries.length, at + 36);
    at += 40;
    for (const e of p.entries) {
      writeEntry(buf, at, e);
      at += ENTRY_SIZE;
    }
  }
  return sealDocument(DOC_KIND.index, buf, encKey, false);
}

export function decodeIndex(bytes: Buffer, encKey: Buffer, name: string): IndexedPack[] {
  const what = `index ${name.slice(0, 12)}`;
  const buf = openDocument(DOC_KIND.index, bytes, encKey, what);
  const fail = (): never => {
    throw new HavreError('INTEGRITY', { what: `${what} (malformed)` });
  };
  if (buf.length < 4) fail();
  const packCount = buf.readUInt32LE(0);
  const packs: IndexedPack[] = [];
  let at = 4;
  for (let i = 0; i < packCount; i++) {
    if (at + 40 > buf.length) fail();
    const packId = buf.subarray(at, at + 32).toString('hex');
    const size = buf.readUInt32LE(at + 32);
    const count = buf.readUInt32LE(at + 36);
    at += 40;
    if (at + count * ENTRY_SIZE > buf.length) fail();
    const entries: PackEntry[] = [];
    for (let j = 0; j < count; j++, at += ENTRY_SIZE) entries.push(readEntry(buf, at, what));
    packs.push({ packId, size, entries });
  }
  if (at !== buf.length) fail();
  return packs;
}
