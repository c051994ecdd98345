// Restore reads a pack blob by blob, mostly in pack order. Over HTTPS, one request per blob costs
// more CPU than its bytes (thousands of small files → thousands of requests), so small reads of a
// pack are widened to an aligned window, and the last few windows are kept. A restore then asks
// for each stretch of a pack once. Bytes are still checked by the caller (length, AEAD, id).
import type { ByteRange } from '../Store.js';

export const WINDOW_BYTES = 4 * 1024 * 1024;
const KEEP_WINDOWS = 8; // 32 MiB at most

export class ReadWindows {
  // Insertion order is recency order: a hit is deleted and set again; the oldest goes first.
  private readonly windows = new Map<string, Promise<Buffer>>();

  constructor(private readonly fetch: (name: string, range: ByteRange) => Promise<Buffer>) {}

  async read(name: string, range: ByteRange): Promise<Buffer> {
    if (range.length === 0 || range.length > WINDOW_BYTES) return this.fetch(name, range);
    const first = Math.floor(range.offset / WINDOW_BYTES);
    const last = Math.floor((range.offset + range.length - 1) / WINDOW_BYTES);
    const parts: Buffer[] = [];
    for (let i = first; i <= last; i++) {
      const w = await this.window(name, i);
      parts.push(w);
      if (w.length < WINDOW_BYTES) break; // the object ends in this window
    }
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const start = range.offset - first * WINDOW_BYTES;
    // A copy: callers may wipe what they get, and the window is shared. A range past the end of the
    // object comes back short, as from the store itself; the caller's length check says so.
    return Buffer.from(joined.subarray(start, start + range.length));
  }

  private window(name: string, index: number): Promise<Buffer> {
    const key = `${name}:${index}`;
    const hit = this.windows.get(key);
    if (hit) {
      this.windows.delete(key);
      this.windows.set(key, hit);
      return hit;
    }
    const p = this.fetch(name, { offset: index * WINDOW_BYTES, length: WINDOW_BYTES });
    p.catch(() => this.windows.delete(key)); // a failed read is not remembered
    this.windows.set(key, p);
    while (this.windows.size > KEEP_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    return p;
  }
}
