// A response body read whole into memory, through the download limit when there is one. Objects
// are packs of ~16 MiB at most, so a Buffer is fine; anything larger than asked is refused.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Throttle } from '../../net/Throttle.js';

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

export async function readBody(body: unknown, maxBytes: number, throttle?: Throttle): Promise<Buffer> {
  if (!(body instanceof Readable)) throw new TypeError('the S3 response has no readable body');
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) cb(new BodyTooLarge(maxBytes));
      else {
        chunks.push(chunk);
        cb();
      }
    },
  });
  if (throttle) await pipeline(body, throttle.transform(), sink);
  else await pipeline(body, sink);
  return Buffer.concat(chunks, size);
}
