// Every endpoint of docs/PROTOCOL.md, as a table of (method, path pattern, handler).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminKeyResponse, InfoResponse } from '../../src-main/engine/appliance/protocol.js';
import { MAX_JSON_BYTES, PROTOCOL_VERSION } from '../../src-main/engine/appliance/protocol.js';
import { iso } from '../clock.js';
import { checkKind, checkName } from '../domain/Objects.js';
import { ApplianceError } from '../errors/index.js';
import type { Auth } from './auth.js';
import { contentLength, readJson } from './body.js';
import type { ServerLimits } from './server.js';
import { parseRange } from './range.js';
import { sendJson, sendStream } from './respond.js';
import { serveUpdateFile } from './updates.js';
import type { HttpServices } from './services.js';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The path segments a pattern's '*' matched, in order. */
  readonly params: readonly string[];
  /** Set once the caller is known, for the access log. */
  machineId?: string;
}

type Handler = (x: Exchange) => Promise<void> | void;

interface Route {
  readonly method: string;
  readonly pattern: readonly string[];
  readonly handler: Handler;
}

const MACHINE_ID = /^[0-9a-f]{32}$/;

function machineParam(s: string): string {
  if (!MACHINE_ID.test(s)) throw new ApplianceError('BAD_REQUEST', { reason: 'a machine id is 32 lowercase hex characters' });
  return s;
}

/** Query members a route accepts; anything else is a mistake worth saying. */
function query(url: URL, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (!allowed.includes(k) || out.has(k)) throw new ApplianceError('BAD_REQUEST', { reason: `query parameter “${k.slice(0, 40)}” is not expected` });
    out.set(k, v);
  }
  return out;
}

export function buildRoutes(s: HttpServices, auth: Auth, limits: Pick<ServerLimits, 'jsonBodyMs'>): Route[] {
  const json = (req: IncomingMessage): Promise<unknown> => readJson(req, MAX_JSON_BYTES, limits.jsonBodyMs);

  const machineRoute = (fn: (x: Exchange, m: ReturnType<Auth['machine']>) => Promise<void> | void): Handler => (x) => {
    const m = auth.machine(x.req);
    x.machineId = m.id;
    return fn(x, m);
  };

  const objectRead = async (x: Exchange, head: boolean): Promise<void> => {
    const machineId = machineParam(x.params[0]!);
    const caller = auth.reader(x.req, machineId);
    if (caller.kind === 'machine') x.machineId = caller.machine.id;
    const kind = checkKind(x.params[1]!);
    const name = checkName(x.params[2]!);
    const h = s.objects.head(machineId, kind, name);
    if (!h) throw new ApplianceError('NOT_FOUND', { what: `object ${kind}/${name}` });
    const headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ETag: `"${name}"`, 'Cache-Control': 'private, max-age=31536000, immutable' };
    if (head) {
      x.res.writeHead(200, { ...headers, 'Content-Length': h.size });
      x.res.end();
      return;
    }
    const range = parseRange(x.req.headers.range, h.size);
    const { stream } = await s.objects.open(machineId, kind, name, range ?? undefined);
    if (range) x.res.writeHead(206, { ...headers, 'Content-Length': range.length, 'Content-Range': `bytes ${range.offset}-${range.offset + range.length - 1}/${h.size}` });
    else x.res.writeHead(200, { ...headers, 'Content-Length': h.size });
    await sendStream(stream, x.res);
  };

  return [
    // ---- discovery (§3) ----
    {
      method: 'GET', pattern: ['v1', 'info'], handler: ({ res }) => {
        const body: InfoResponse = { protocol: PROTOCOL_VERSION, applianceId: s.config.applianceId, caFingerprint: s.caFingerprint, time: iso(s.clock.now()) };
        sendJson(res, 200, body);
      },
    },
    {
      method: 'GET', pattern: ['v1', 'ca'], handler: ({ res }) => {
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Length': Buffer.byteLength(s.caPem) });
        res.end(s.caPem);
      },
    },
    {
      method: 'GET', pattern: ['v1', 'admin-key'], handler: ({ res }) => {
        const k = s.accounts.adminKeys();
        const body: AdminKeyResponse = { applianceId: k.applianceId, publicKey: k.publicKey };
        sendJson(res, 200, body);
      },
    },
    // ---- enrollment (§4) ----
    {
      method: 'POST', pattern: ['v1', 'enroll'], handler: async (x) => {
        const r = await s.enrollment.enroll(await json(x.req));
        x.machineId = r.machineId;
        sendJson(x.res, 201, r);
      },
    },
    { method: 'POST', pattern: ['v1', 'machine', 'renew'], handler: machineRoute(async (x, m) => sendJson(x.res, 200, await s.machines.renew(m, await json(x.req)))) },
    // ---- keys and auth (§5) ----
    { method: 'GET', pattern: ['v1', 'machine', 'keys'], handler: machineRoute((x, m) => sendJson(x.res, 200, { ...s.machines.machineKeys(m), passwordSet: s.accounts.passwordSet(m.id) })) },
    { method: 'POST', pattern: ['v1', 'machine', 'password'], handler: machineRoute(async (x, m) => sendJson(x.res, 200, s.accounts.setPassword(m, await json(x.req)))) },
    { method: 'POST', pattern: ['v1', 'auth', 'params'], handler: async (x) => sendJson(x.res, 200, s.accounts.params(await json(x.req))) },
    { method: 'POST', pattern: ['v1', 'auth', 'login'], handler: async (x) => sendJson(x.res, 200, s.accounts.login(await json(x.req))) },
    {
      method: 'GET', pattern: ['v1', 'admin', 'machines'], handler: (x) => {
        auth.admin(x.req);
        sendJson(x.res, 200, { machines: s.machines.summaries() });
      },
    },
    {
      method: 'GET', pattern: ['v1', 'admin', 'machines', '*', 'keys'], handler: (x) => {
        auth.admin(x.req);
        sendJson(x.res, 200, s.machines.adminKeys(machineParam(x.params[0]!), 'admin'));
      },
    },
    // ---- objects (§6) ----
    {
      method: 'PUT', pattern: ['v1', 'machines', '*', 'objects', '*', '*'], handler: async (x) => {
        const machineId = machineParam(x.params[0]!);
        x.machineId = auth.writer(x.req, machineId).id;
        const kind = checkKind(x.params[1]!);
        const name = checkName(x.params[2]!);
        const len = contentLength(x.req);
        if (len === null) throw new ApplianceError('LENGTH_REQUIRED');
        if (len > s.config.maxObjectBytes) throw new ApplianceError('TOO_LARGE', { limit: s.config.maxObjectBytes });
        const result = await s.objects.put(machineId, kind, name, x.req, len);
        sendJson(x.res, result === 'created' ? 201 : 200, { name, size: len });
      },
    },
    { method: 'GET', pattern: ['v1', 'machines', '*', 'objects', '*', '*'], handler: (x) => objectRead(x, false) },
    { method: 'HEAD', pattern: ['v1', 'machines', '*', 'objects', '*', '*'], handler: (x) => objectRead(x, true) },
    {
      method: 'DELETE', pattern: ['v1', 'machines', '*', 'objects', '*', '*'], handler: async (x) => {
        const machineId = machineParam(x.params[0]!);
        x.machineId = auth.writer(x.req, machineId).id;
        sendJson(x.res, 202, await s.objects.requestDelete(machineId, x.params[1]!, x.params[2]!, 'machine'));
      },
    },
    {
      method: 'GET', pattern: ['v1', 'machines', '*', 'objects', '*'], handler: (x) => {
        const machineId = machineParam(x.params[0]!);
        const caller = auth.reader(x.req, machineId);
        if (caller.kind === 'machine') x.machineId = caller.machine.id;
        const q = query(x.url, ['after', 'limit']);
        const limitText = q.get('limit');
        if (limitText !== undefined && !/^\d{1,6}$/.test(limitText)) throw new ApplianceError('BAD_REQUEST', { reason: 'limit is not a number' });
        const after = q.get('after');
        sendJson(x.res, 200, s.objects.list(machineId, x.params[1]!, { ...(after !== undefined ? { after } : {}), ...(limitText !== undefined ? { limit: Number(limitText) } : {}) }));
      },
    },
    // ---- heartbeat and events (§7) ----
    // ---- updates (§9) ----
    { method: 'GET', pattern: ['v1', 'updates', '*'], handler: (x) => serveUpdateFile(x, s.updatesDir, false) },
    { method: 'HEAD', pattern: ['v1', 'updates', '*'], handler: (x) => serveUpdateFile(x, s.updatesDir, true) },
    { method: 'POST', pattern: ['v1', 'machine', 'heartbeat'], handler: machineRoute(async (x, m) => sendJson(x.res, 200, s.heartbeats.record(m, await json(x.req)))) },
    { method: 'GET', pattern: ['v1', 'machine', 'events', 'head'], handler: machineRoute((x, m) => sendJson(x.res, 200, s.events.head(m.id))) },
    { method: 'POST', pattern: ['v1', 'machine', 'events'], handler: machineRoute(async (x, m) => sendJson(x.res, 200, s.events.push(m, await json(x.req)))) },
  ];
}

/** Finds the route for a request; NOT_FOUND for an unknown path or a method the path does not take. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): { handler: Handler; params: string[] } {
  const segments = pathname.split('/').slice(1);
  for (const r of routes) {
    if (r.method !== method || r.pattern.length !== segments.length) continue;
    const params: string[] = [];
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      if (r.pattern[i] === '*') params.push(decodeSegment(segments[i]!));
      else ok = r.pattern[i] === segments[i];
    }
    if (ok) return { handler: r.handler, params };
  }
  throw new ApplianceError('NOT_FOUND', { what: `route ${method} ${pathname.slice(0, 100)}` });
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ApplianceError('BAD_REQUEST', { reason: 'malformed path' });
  }
}
