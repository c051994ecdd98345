// Splitting a file (or a buffer) into chunks with a Chunker, with bounded memory.
import type { FileHandle } from 'node:fs/promises';
import type { Chunker } from './Chunker.js';

export const DEFAULT_READ_SIZE = 8 * 1024 * 1024;
// Small files are the common case: start with a small buffer and double it only as the file
// proves large, instead of allocating readSize + max for every file.
const INITIAL_BUFFER = 64 * 1024;

export interface ChunkFileOptions {
  readSize?: number;
  signal?: AbortSignal;
}

/** A chunk the consumer owns: its own ArrayBuffer (never a pool slice), so it can be kept, or
 *  transferred to a worker, without pinning or sharing the read buffer. */
function ownCopy(buf: Uint8Array, start: number, len: number): Buffer {
  const out = Buffer.allocUnsafeSlow(len);
  out.set(buf.subarray(start, start + len));
  return out;
}

/**
 * Yields the file's chunks in order, read from offset 0 with large sequential reads. Memory stays
 * below readSize + max (plus the chunks the consumer keeps). A file that shrinks while read ends at
 * the new EOF; one that grows is read up to wherever EOF is met: the caller compares size/mtime.
 */
export async function* chunkFile(fh: FileHandle, chunker: Chunker, opts: ChunkFileOptions = {}): AsyncGenerator<Buffer> {
  const readSize = opts.readSize ?? DEFAULT_READ_SIZE;
  if (!Number.isSafeInteger(readSize) || readSize < 1) throw new RangeError(`readSize must be a positive integer, got ${readSize}`);
  const signal = opts.signal;
  const { max } = chunker.params;
  const capacity = readSize + max;
  let buf = Buffer.allocUnsafeSlow(Math.min(capacity, INITIAL_BUFFER));
  let start = 0; // first byte not yet yielded
  let end = 0; // end of the bytes read
  let position = 0; // file offset of the next read
  let eof = false;
  for (;;) {
    // Cut only with at least max bytes in hand (or at EOF): then cutPoint never needs more data
    // and the boundaries do not depend on how reads split the file.
    while (end - start >= max || (eof && end > start)) {
      const len = chunker.cutPoint(buf, start, end, eof);
      yield ownCopy(buf, start, len);
      start += len;
    }
    if (eof) return;
    signal?.throwIfAborted();
    if (buf.length - end < readSize && start > 0) {
      // Fewer than max bytes are pending here, so moving them is cheap next to the read.
      buf.copyWithin(0, start, end);
      end -= start;
      start = 0;
    }
    if (end === buf.length) {
      // Only while still below capacity: at capacity, compaction leaves >= readSize free.
      const grown = Buffer.allocUnsafeSlow(Math.min(capacity, buf.length * 2));
      grown.set(buf.subarray(0, end));
      buf = grown;
    }
    const { bytesRead } = await fh.read(buf, end, Math.min(readSize, buf.length - end), position);
    if (bytesRead === 0) eof = true;
    end += bytesRead;
    position += bytesRead;
  }
}

/** The same chunks as chunkFile() for data already in memory (trees, tests). Each chunk is a copy
 *  the consumer owns, as with chunkFile(). */
export function* chunkBuffer(buf: Uint8Array, chunker: Chunker): Generator<Buffer> {
  let start = 0;
  while (start < buf.length) {
    const len = chunker.cutPoint(buf, start, buf.length, true);
    yield ownCopy(buf, start, len);
    start += len;
  }
}
