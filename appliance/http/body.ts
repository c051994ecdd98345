// JSON request bodies: at most MAX_JSON_BYTES, refused before reading when Content-Length says
// more, and cut off while reading otherwise (a chunked body has no length up front); nested at
// most MAX_JSON_DEPTH levels; read within a deadline.
import type { IncomingMessage } from 'node:http';
import { jsonDepth, MAX_JSON_BYTES, MAX_JSON_DEPTH } from '../../src-main/engine/appliance/protocol.js';
import { ApplianceError } from '../errors/index.js';

/** Content-Length as a number; null when absent; BAD_REQUEST when not a number. */
export function contentLength(req: IncomingMessage): number | null {
  const v = req.headers['content-length'];
  if (v === undefined) return null;
  if (!/^\d{1,15}$/.test(v)) throw new ApplianceError('BAD_REQUEST', { reason: 'Content-Length is not a number' });
  return Number(v);
}

/**
 * Reads a JSON body of at most `limit` bytes within `deadlineMs`: a body trickled slower than that
 * (slow-loris) gets its connection closed, since a client that slow would not read an answer either.
 */
export async function readJson(req: IncomingMessage, limit = MAX_JSON_BYTES, deadlineMs = 30_000): Promise<unknown> {
  const declared = contentLength(req);
  if (declared !== null && declared > limit) throw new ApplianceError('TOO_LARGE', { limit });
  const chunks: Buffer[] = [];
  let size = 0;
  let late = false;
  const deadline = setTimeout(() => {
    late = true;
    req.socket.destroy();
  }, deadlineMs);
  try {
    for await (const c of req) {
      const chunk = c as Buffer;
      size += chunk.length;
      if (size > limit) throw new ApplianceError('TOO_LARGE', { limit });
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ApplianceError) throw e;
    throw new ApplianceError('BAD_REQUEST', { reason: late ? 'the request body came too slowly' : 'the request body was interrupted' });
  } finally {
    clearTimeout(deadline);
  }
  if (late) throw new ApplianceError('BAD_REQUEST', { reason: 'the request body came too slowly' });
  const text = Buffer.concat(chunks).toString('utf8');
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new ApplianceError('BAD_REQUEST', { reason: `the body nests deeper than ${MAX_JSON_DEPTH} levels` });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApplianceError('BAD_REQUEST', { reason: 'the body is not JSON' });
  }
}
