// Compact binary forms of catalog columns. Values that break them are caller bugs, so they raise
// INTERNAL rather than being stored truncated.
import { HavreError } from '../errors/index.js';
import type { BlobType, PackEntry } from './types.js';

export const ID_BYTES = 32;
/** FORMAT.md §6 `entry`: u8 type ‖ u8 codec ‖ u16 0 ‖ u32 offset ‖ u32 stored ‖ u32 raw ‖ id. */
export const ENTRY_BYTES = 16 + ID_BYTES;

const HEX_ID = /^[0-9a-f]{64}$/;

function bug(reason: string): HavreError {
  return new HavreError('INTERNAL', { reason: `catalog: ${reason}` });
}

export function checkHexId(what: string, s: string): void {
  if (!HEX_ID.test(s)) throw bug(`${what} must be 64 lowercase hex characters, got "${s.slice(0, 80)}"`);
}

export function checkId(id: Buffer): void {
  if (id.length !== ID_BYTES) throw bug(`a blob id must be ${ID_BYTES} bytes, got ${id.length}`);
}

function checkU32(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw bug(`${what} must be a u32, got ${n}`);
}

export function checkEntry(e: PackEntry): void {
  checkId(e.id);
  if (e.type !== 0 && e.type !== 1) throw bug(`blob type must be 0 or 1, got ${String(e.type)}`);
  if (!Number.isInteger(e.codec) || e.codec < 0 || e.codec > 0xff) throw bug(`codec must be a u8, got ${e.codec}`);
  checkU32('offset', e.offset);
  checkU32('storedLength', e.storedLength);
  checkU32('rawLength', e.rawLength);
}

export function encodeEntries(entries: readonly PackEntry[]): Buffer {
  const out = Buffer.alloc(entries.length * ENTRY_BYTES);
  let p = 0;
  for (const e of entries) {
    out.writeUInt8(e.type, p);
    out.writeUInt8(e.codec, p + 1);
    out.writeUInt32LE(e.offset, p + 4);
    out.writeUInt32LE(e.storedLength, p + 8);
    out.writeUInt32LE(e.rawLength, p + 12);
    e.id.copy(out, p + 16);
    p += ENTRY_BYTES;
  }
  return out;
}

export function decodeEntries(buf: Buffer): PackEntry[] {
  const out: PackEntry[] = [];
  for (let p = 0; p + ENTRY_BYTES <= buf.length; p += ENTRY_BYTES) {
    out.push({
      type: buf.readUInt8(p) as BlobType,
      codec: buf.readUInt8(p + 1),
      offset: buf.readUInt32LE(p + 4),
      storedLength: buf.readUInt32LE(p + 8),
      rawLength: buf.readUInt32LE(p + 12),
      // A copy, so that callers may keep one id without pinning the whole entry list.
      id: Buffer.from(buf.subarray(p + 16, p + ENTRY_BYTES)),
    });
  }
  return out;
}

export function packIds(ids: readonly Buffer[]): Buffer {
  for (const id of ids) checkId(id);
  return ids.length === 1 ? (ids[0] as Buffer) : Buffer.concat(ids as Buffer[]);
}

/** Splits n × 32 bytes back into ids. The ids are views of `buf`, which is the caller's own. */
export function unpackIds(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + ID_BYTES <= buf.length; p += ID_BYTES) out.push(buf.subarray(p, p + ID_BYTES));
  return out;
}

// SQLite integers are signed 64-bit; inode and dev numbers are unsigned 64-bit and do reach the top
// bit (btrfs, NFS, Windows file ids). They are stored as the same 64 bits read as signed.
export const u64ToSql = (v: bigint): bigint => BigInt.asIntN(64, v);
export const u64FromSql = (v: bigint): bigint => BigInt.asUintN(64, v);

export function checkI64(what: string, v: bigint): void {
  if (BigInt.asIntN(64, v) !== v) throw bug(`${what} does not fit in 64 bits: ${v}`);
}

export function checkU64(what: string, v: bigint): void {
  if (BigInt.asUintN(64, v) !== v) throw bug(`${what} must be an unsigned 64-bit integer: ${v}`);
}
