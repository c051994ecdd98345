// Keyed FastCDC, normalised level 2, with cut-point skipping (docs/FORMAT.md §5).
import type { ChunkerParams } from './params.js';
import { validateChunkerParams } from './params.js';
import { gearTable } from './gear.js';

/** A mask of `bits` ones taken from the high end of a 32-bit word, as an int32. High bits because
 *  with h = (h << 1) + gear[b], bit k of h depends on the last k + 1 bytes only: high bits see the
 *  full 32-byte window. */
export function highMask(bits: number): number {
  return bits >= 32 ? -1 : (-1 << (32 - bits)) | 0;
}

// The word-at-a-time loop below reads bytes in memory order from a Uint32Array, which only holds
// on little-endian hosts (all Node targets in practice); elsewhere the byte loop does everything.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Chunker {
  readonly params: ChunkerParams;
  // The same 256 values as gearTable() but viewed as int32, so the hot loop stays in int32
  // arithmetic (V8 would otherwise see uint32 values above 2^31 and may fall back to doubles).
  private readonly gear: Int32Array;
  private readonly maskS: number;
  private readonly maskL: number;
  // Hash carried from one scan() to the next (the MASK_S stretch into the MASK_L stretch).
  private h = 0;

  constructor(chunkerKey: Buffer, params: ChunkerParams) {
    this.params = validateChunkerParams(params);
    const table = gearTable(chunkerKey);
    this.gear = new Int32Array(table.buffer, table.byteOffset, table.length);
    const log2 = Math.log2(this.params.avg);
    this.maskS = highMask(log2 + 2);
    this.maskL = highMask(log2 - 2);
  }

  /**
   * Length of the next chunk of buf[start, end). Returns -1 when no cut point exists there yet and
   * more data may follow (eof false and end - start < max). With eof true it always returns a
   * length >= 1 (<= end - start) when end > start, and 0 when end === start.
   * A chunk's length depends only on its own bytes, so a caller that passes at least max bytes
   * (or reaches eof) gets the same boundaries however it splits the data into reads.
   */
  cutPoint(buf: Uint8Array, start: number, end: number, eof: boolean): number {
    const n = end - start;
    if (n <= 0) return eof ? 0 : -1;
    const { min, avg, max } = this.params;
    const limit = n < max ? n : max;
    this.h = 0;
    // Bytes before min are skipped. Before avg the harder mask (more bits) makes early cuts rare;
    // from avg on the easier one makes chunks that run to max rare.
    const endS = start + (limit < avg ? limit : avg);
    let cut = this.scan(buf, start + min, endS, this.maskS);
    if (cut < 0) cut = this.scan(buf, endS, start + limit, this.maskL);
    if (cut >= 0) return cut - start + 1;
    if (n >= max) return max;
    return eof ? n : -1;
  }

  /** Rolls the gear hash over buf[i, stop) from this.h; returns the index of the first byte after
   *  which (h & mask) == 0, or -1 (with this.h updated) when there is none. */
  private scan(buf: Uint8Array, i: number, stop: number, mask: number): number {
    const gear = this.gear;
    let h = this.h;
    const base = buf.byteOffset;
    if (LITTLE_ENDIAN && stop - i >= 64) {
      // Head bytes up to a 4-byte-aligned address, then whole words: one bounds-checked load per
      // four bytes is about twice as fast in V8 as a byte loop.
      for (; ((base + i) & 3) !== 0; i++) {
        h = ((h << 1) + gear[buf[i]!]!) | 0;
        if ((h & mask) === 0) return i;
      }
      const nWords = (stop - i) >>> 2;
      const words = new Uint32Array(buf.buffer, base + i, nWords);
      for (let j = 0; j < nWords; j++) {
        const x = words[j]!;
        h = ((h << 1) + gear[x & 255]!) | 0;
        if ((h & mask) === 0) return i + (j << 2);
        h = ((h << 1) + gear[(x >>> 8) & 255]!) | 0;
        if ((h & mask) === 0) return i + (j << 2) + 1;
        h = ((h << 1) + gear[(x >>> 16) & 255]!) | 0;
        if ((h & mask) === 0) return i + (j << 2) + 2;
        h = ((h << 1) + gear[x >>> 24]!) | 0;
        if ((h & mask) === 0) return i + (j << 2) + 3;
      }
      i += nWords << 2;
    }
    for (; i < stop; i++) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & mask) === 0) return i;
    }
    this.h = h;
    return -1;
  }
}
