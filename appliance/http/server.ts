// The appliance's HTTPS server (PROTOCOL.md §1): TLS 1.2 minimum, a client certificate asked for
// on every connection but not required at the TLS layer (enrollment and logins come without one),
// keep-alive. Shuts down gracefully: new requests get 503, requests in flight finish.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplianceError } from '../errors/index.js';
import { Auth } from './auth.js';
import { sendError, toWireError } from './respond.js';
import { buildRoutes, matchRoute, type Exchange } from './routes.js';
import type { HttpServices } from './services.js';

export interface AccessEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly machineId?: string;
  readonly error?: string;
}

/**
 * How long a connection may take over each part of a request before the appliance drops it: what
 * keeps slow-loris clients (headers or bodies trickled, or stalled) from holding connections and
 * file descriptors for long. Object uploads are the long ones: only enrolled machines make them,
 * and a slow link keeps sending bytes, so only `requestMs` bounds them.
 */
export interface ServerLimits {
  /** From the first byte of a request to the end of its headers. */
  readonly headersMs: number;
  /** A connection that sends and receives nothing (mid-request, or idle before its first request). */
  readonly idleMs: number;
  /** A JSON request body (at most 256 KiB) from its first byte to its last. */
  readonly jsonBodyMs: number;
  /** A whole request, an object upload included (64 MiB over a slow link). */
  readonly requestMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { headersMs: 20_000, idleMs: 60_000, jsonBodyMs: 30_000, requestMs: 30 * 60_000 };

export interface ServerOptions {
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  /** Defaults: DEFAULT_LIMITS (tests shorten them). */
  readonly limits?: Partial<ServerLimits>;
  /** One line per request; never a header, a body or a query value that could be a secret. */
  readonly onAccess?: (e: AccessEntry) => void;
  /** Unexpected errors (bugs), with their stack, for the operator's log. */
  readonly onError?: (e: unknown) => void;
}

export interface Listening {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

const DRAIN_MS = 10_000;

/**
 * The request target as a URL. Appended to a base, never resolved against it: `//host/path` would
 * otherwise name another host (and `new URL` throw on a host like `%2F`).
 */
function requestUrl(target: string): URL {
  try {
    if (!target.startsWith('/')) throw new TypeError('not a path');
    return new URL(`https://appliance.invalid${target}`);
  } catch {
    throw new ApplianceError('BAD_REQUEST', { reason: 'the request target is not a path' });
  }
}

export function createApplianceServer(s: HttpServices, opts: ServerOptions): { server: Server; shutdown(): Promise<void> } {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const auth = new Auth(s);
  const routes = buildRoutes(s, auth, limits);
  let closing = false;
  const inFlight = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let path = '/';
    const x: { machineId?: string } = {};
    let status: number;
    let errorCode: string | undefined;
    try {
      const url = requestUrl(req.url ?? '/');
      path = url.pathname;
      if (closing) throw new ApplianceError('UNAVAILABLE');
      const { handler, params } = matchRoute(routes, method, url.pathname);
      const exchange: Exchange = { req, res, url, params };
      try {
        await handler(exchange);
      } finally {
        if (exchange.machineId) x.machineId = exchange.machineId;
      }
      status = res.statusCode;
    } catch (e) {
      const { error, unexpected } = toWireError(e);
      if (unexpected) opts.onError?.(e);
      status = error.status;
      errorCode = error.code;
      sendError(req, res, error);
    }
    opts.onAccess?.({ method, path, status, ms: Math.round(performance.now() - started), ...(x.machineId ? { machineId: x.machineId } : {}), ...(errorCode ? { error: errorCode } : {}) });
  };

  const server = createServer(
    {
      key: opts.serverKeyPem,
      cert: opts.serverCertPem,
      ca: [s.caPem],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      keepAlive: true,
      keepAliveTimeout: 65_000,
      headersTimeout: limits.headersMs,
      requestTimeout: limits.requestMs,
      // How often the two timeouts above are checked (Node's default, 30 s, would let a header
      // trickle live up to twice headersMs).
      connectionsCheckingInterval: Math.max(250, Math.min(limits.headersMs, 5_000) / 2),
    },
    (req, res) => {
      if (closing) res.setHeader('Connection', 'close');
      const p = handle(req, res).catch((e: unknown) => opts.onError?.(e));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
  );
  // A connection that goes quiet (before its first request, or mid-request) is destroyed.
  server.timeout = limits.idleMs;
  // A client that breaks the TLS handshake or the HTTP framing gets no answer, and no crash.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());

  const shutdown = async (): Promise<void> => {
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = Promise.all([...inFlight]).then(() => undefined);
    await Promise.race([drained, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    server.closeAllConnections();
    await closed;
  };
  return { server, shutdown };
}

export async function listen(s: HttpServices, opts: ServerOptions & { port: number; host: string }): Promise<Listening> {
  const { server, shutdown } = createApplianceServer(s, opts);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(new ApplianceError('LISTEN_FAILED', { address: `${opts.host}:${opts.port}`, reason: (e as NodeJS.ErrnoException).code ?? e.message }));
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return { port: (server.address() as AddressInfo).port, server, close: shutdown };
}
