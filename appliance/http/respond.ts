// Responses: JSON bodies, and PROTOCOL.md §2 error bodies for whatever was thrown.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProtocolViolation, type WireError } from '../../src-main/engine/appliance/protocol.js';
import { ApplianceError, isWireCode } from '../errors/index.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/** Streams a body; a client that goes away mid-download is nothing to answer or report. */
export async function sendStream(stream: Readable, res: ServerResponse): Promise<void> {
  try {
    await pipeline(stream, res);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE') return;
    throw e;
  }
}

/** Any thrown value as an ApplianceError with a wire code; unexpected ones become INTERNAL. */
export function toWireError(e: unknown): { error: ApplianceError; unexpected: boolean } {
  if (e instanceof ApplianceError && isWireCode(e.code)) return { error: e, unexpected: false };
  if (e instanceof ProtocolViolation) return { error: new ApplianceError('BAD_REQUEST', { reason: e.reason }), unexpected: false };
  // Never the original message on the wire: it could name a path or carry data.
  return { error: new ApplianceError('INTERNAL', { reason: 'unexpected error' }, { cause: e }), unexpected: true };
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: ApplianceError): void {
  if (res.headersSent) {
    res.destroy(); // mid-body: the only honest signal left is a cut connection
    return;
  }
  const headers: Record<string, string | number> = {};
  // A request whose body was not read (refused up front) closes the connection rather than
  // reading up to 64 MiB only to throw it away.
  if (!req.complete) headers.Connection = 'close';
  if (error.code === 'UNAVAILABLE') headers['Retry-After'] = 5;
  if (error.code === 'RANGE_INVALID' && typeof error.params.size === 'number') headers['Content-Range'] = `bytes */${error.params.size}`;
  if (req.method === 'HEAD') {
    res.writeHead(error.status, headers);
    res.end();
    return;
  }
  const body: WireError = error.toWire();
  sendJson(res, error.status, body, headers);
}
