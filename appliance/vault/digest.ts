import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ApplianceError } from '../errors/index.js';

/**
 * Reads a body to its end, hashing it, without storing it: an upload of an object already held
 * is still checked against its name. Refuses a body longer or shorter than announced.
 */
export async function digestBody(body: Readable | Uint8Array, expectedSize: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  const add = (chunk: Uint8Array): void => {
    size += chunk.length;
    if (size > expectedSize) throw new ApplianceError('BAD_REQUEST', { reason: 'the body is longer than Content-Length' });
    hash.update(chunk);
  };
  if (body instanceof Uint8Array) add(body);
  else {
    try {
      for await (const chunk of body) add(chunk as Buffer);
    } catch (e) {
      if (e instanceof ApplianceError) throw e;
      throw new ApplianceError('BAD_REQUEST', { reason: 'the upload was interrupted' });
    }
  }
  if (size !== expectedSize) throw new ApplianceError('BAD_REQUEST', { reason: 'the body is shorter than Content-Length' });
  return hash.digest('hex');
}
