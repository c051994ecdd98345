// How a chunk worker reads a small file: whole, with synchronous calls (workerProtocol.ts says why).
import { closeSync, constants, openSync, readSync } from 'node:fs';

/**
 * The whole file, read synchronously into a buffer one byte larger than `size`; null when it fills
 * that buffer (the file grew since its lstat: it is then streamed, and the caller's check after the
 * read sees the change).
 */
export function readWhole(path: string, size: number): Buffer | null {
  const buf = Buffer.allocUnsafeSlow(size + 1);
  // O_NONBLOCK: a FIFO put in the file's place since its lstat must not hang this thread on open.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    let end = 0;
    for (;;) {
      const n = readSync(fd, buf, end, buf.length - end, end);
      if (n === 0) return buf.subarray(0, end);
      end += n;
      if (end === buf.length) return null;
    }
  } finally {
    closeSync(fd);
  }
}
