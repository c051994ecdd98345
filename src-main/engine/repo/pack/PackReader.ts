import { open } from '../../crypto/index.js';
import { HavreError } from '../../errors/index.js';
import type { PackEntry } from '../../catalog/types.js';
import type { Store } from '../../store/index.js';
import { checkEntryBounds, decodeEntries } from './entries.js';
import { PACK_HEADER_AAD, PACK_MAGIC } from './PackWriter.js';

/** The most a header may be: 4 GiB packs are not a thing, and a hostile length must not allocate. */
const MAX_HEADER = 64 * 1024 * 1024;

/** Decodes a pack's header from its full bytes (verify --read-data, repair). */
export function parsePack(bytes: Buffer, encKey: Buffer, packId: string): PackEntry[] {
  const what = `pack ${packId.slice(0, 12)}`;
  if (bytes.length < PACK_MAGIC.length + 4 || !bytes.subarray(0, 8).equals(PACK_MAGIC)) {
    throw new HavreError('INTEGRITY', { what: `${what} (not a pack)` });
  }
  const headerLen = bytes.readUInt32LE(bytes.length - 4);
  const headerStart = bytes.length - 4 - headerLen;
  if (headerLen > MAX_HEADER || headerStart < PACK_MAGIC.length) throw new HavreError('INTEGRITY', { what: `${what} (header length)` });
  const entries = decodeEntries(open(encKey, bytes.subarray(headerStart, bytes.length - 4), PACK_HEADER_AAD, what), what);
  checkEntryBounds(entries, PACK_MAGIC.length, headerStart, what);
  return entries;
}

/** Reads only a pack's header, with two range reads (repair of packs no index names). */
export async function readPackHeader(store: Store, packId: string, packSize: number, encKey: Buffer): Promise<PackEntry[]> {
  const what = `pack ${packId.slice(0, 12)}`;
  if (packSize < PACK_MAGIC.length + 4) throw new HavreError('INTEGRITY', { what: `${what} (too short)` });
  const lenBuf = await store.get('data', packId, { offset: packSize - 4, length: 4 });
  if (lenBuf.length !== 4) throw new HavreError('INTEGRITY', { what: `${what} (truncated)` });
  const headerLen = lenBuf.readUInt32LE(0);
  const headerStart = packSize - 4 - headerLen;
  if (headerLen > MAX_HEADER || headerStart < PACK_MAGIC.length) throw new HavreError('INTEGRITY', { what: `${what} (header length)` });
  const sealed = await store.get('data', packId, { offset: headerStart, length: headerLen });
  const entries = decodeEntries(open(encKey, sealed, PACK_HEADER_AAD, what), what);
  checkEntryBounds(entries, PACK_MAGIC.length, headerStart, what);
  return entries;
}
