// The keyed gear table of docs/FORMAT.md §5: keying it with K_chunker keeps chunk boundaries (and
// so chunk sizes) from revealing which known file a repository holds.
import { createHmac } from 'node:crypto';

/** gear[i] = u32le(HMAC-SHA256(K_chunker, UTF8("gear") ‖ u8(i))[0:4]), for i in 0..255. */
export function gearTable(chunkerKey: Buffer): Uint32Array {
  const table = new Uint32Array(256);
  const prefix = Buffer.from('gear', 'utf8');
  for (let i = 0; i < 256; i++) {
    const mac = createHmac('sha256', chunkerKey).update(prefix).update(Uint8Array.of(i)).digest();
    table[i] = mac.readUInt32LE(0);
  }
  return table;
}
