// A small HTTPS client over node:https, so tests see exactly what goes on the wire: client
// certificates, bodies cut mid-way, headers sent before the body.
import { request, type Agent } from 'node:https';
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface ClientIdentity {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface Target {
  readonly port: number;
  readonly caPem: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  json<T = Record<string, unknown>>(): T;
  /** The error code of a PROTOCOL.md §2 body. */
  readonly code: string | undefined;
  /** Whether the TLS session was resumed from an earlier connection. */
  readonly tlsResumed: boolean;
  /** Whether the request went over a kept-alive connection. */
  readonly reusedSocket: boolean;
}

export interface CallOptions {
  readonly id?: ClientIdentity;
  readonly bearer?: string;
  readonly json?: unknown;
  readonly body?: Buffer | string;
  readonly headers?: Record<string, string | number>;
  readonly agent?: Agent;
}

function toReply(status: number, headers: IncomingHttpHeaders, body: Buffer, tlsResumed: boolean, reusedSocket: boolean): Reply {
  let code: string | undefined;
  try {
    code = (JSON.parse(body.toString('utf8')) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return {
    status,
    headers,
    body,
    code,
    tlsResumed,
    reusedSocket,
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/** Opens a request and leaves writing the body to the caller. */
export function open(t: Target, method: string, path: string, opts: CallOptions = {}): { req: ClientRequest; reply: Promise<Reply> } {
  const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
  if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  const req = request({
    host: '127.0.0.1',
    port: t.port,
    method,
    path,
    ca: t.caPem,
    servername: 'localhost',
    headers,
    ...(opts.id ? { cert: opts.id.certPem, key: opts.id.keyPem } : {}),
    agent: opts.agent ?? false,
  });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      const resumed = (res.socket as TLSSocket).isSessionReused();
      res.on('end', () => resolve(toReply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks), resumed, req.reusedSocket)));
    });
  });
  return { req, reply };
}

export function call(t: Target, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  let body: Buffer | undefined;
  const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
  if (opts.json !== undefined) {
    body = Buffer.from(JSON.stringify(opts.json));
    headers['Content-Type'] = 'application/json';
  } else if (opts.body !== undefined) {
    body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  }
  if (body && headers['Content-Length'] === undefined && headers['Transfer-Encoding'] === undefined) headers['Content-Length'] = body.length;
  const { req, reply } = open(t, method, path, { ...opts, headers });
  req.end(body);
  return reply;
}
