// The HTTPS client of the appliance protocol (PROTOCOL.md), over got. It trusts exactly one CA, the
// pinned one, never the system store; speaks TLS 1.2+ on keep-alive connections; presents the
// machine certificate when it has one and a session token when it has one; retries what may be
// retried (§2) with backoff and full jitter; throttles object bodies; and checks every answer's
// shape, so a hostile server yields a HavreError, never a crash. Errors never carry got's own
// error objects: those hold the request options, which hold the session and the TLS key.
import { createPrivateKey } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent } from 'node:https';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HavreError } from '../errors/index.js';
import { assertObjectName, type ByteRange, type ObjectInfo, type ObjectKind } from '../store/index.js';
import { isRetryableTransport, isTlsVerifyError, mapTransportError, mapWireError } from './errors.js';
import {
  API,
  LIST_PAGE_MAX,
  pem,
  ProtocolViolation,
  type AdminKeyResponse,
  type AdminMachineKeysResponse,
  type AuthParamsResponse,
  type ChainedEvent,
  type ChainHead,
  type DeleteResponse,
  type EnrollRequest,
  type EnrollResponse,
  type EventsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type InfoResponse,
  type LoginRequest,
  type LoginResponse,
  type MachineKeysResponse,
  type SetPasswordRequest,
  type SetPasswordResponse,
  type MachineSummary,
  type RenewResponse,
} from './protocol.js';
import * as parse from './responses.js';
import { backoffDelay, defaultSleep, DEFAULT_RETRY, retryAfterMs, RETRYABLE_STATUS, type RetryPolicy } from '../net/retry.js';
import type { Throttle } from '../net/Throttle.js';
import { loadGot } from '../net/loadGot.js';

export interface ApplianceClientOptions {
  /** `https://host[:port]`, as configured; a path prefix is kept. */
  readonly url: string;
  /** The pinned appliance CA, PEM: the only certificate the server's chain may end in. */
  readonly ca: string;
  /** This machine's certificate (PEM) and TLS private key (PKCS#8 DER or PEM), for *machine* endpoints. */
  readonly clientCertificate?: { readonly cert: string; readonly key: Buffer | string };
  /** A session from login, for *session* endpoints. */
  readonly session?: string;
  readonly timeouts?: { readonly connectMs?: number; readonly responseMs?: number; readonly idleMs?: number };
  readonly retry?: Partial<RetryPolicy>;
  /** Bandwidth limits on object bodies (policy); none = unlimited. */
  readonly upload?: Throttle;
  readonly download?: Throttle;
}

/** How long an appliance that did not answer through all retries is tried only once per request. */
const AWAY_MS = 30_000;
/** The largest JSON answer read (a machine list of the biggest fleets fits many times over). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** The largest object read: packs are ~16 MiB; the server's default limit is 64 MiB. */
const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;

type Accept = 'json' | 'bytes' | 'none';

interface SendOptions {
  readonly json?: unknown;
  readonly bytes?: Uint8Array;
  readonly accept: Accept;
  readonly ok: readonly number[];
  /** false for requests that must not run twice (enroll, login): retried only when surely not processed. */
  readonly idempotent?: boolean;
  readonly object?: { kind: ObjectKind; name: string };
  readonly headers?: Record<string, string>;
  readonly maxBytes?: number;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Checks and normalises an appliance URL: https only, no credentials, query or fragment. */
export function normaliseApplianceUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HavreError('USAGE', { detail: `“${url.slice(0, 200)}” is not a URL (expected https://host[:port])` });
  }
  if (u.protocol !== 'https:') throw new HavreError('USAGE', { detail: 'the appliance URL must start with https://' });
  if (u.username || u.password || u.search || u.hash) throw new HavreError('USAGE', { detail: 'the appliance URL must be https://host[:port] only' });
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function keyPem(key: Buffer | string): string {
  if (typeof key === 'string') return key;
  return createPrivateKey({ key, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

export class ApplianceClient {
  readonly url: string;
  private readonly agent: Agent;
  private readonly retry: RetryPolicy;
  private readonly timeouts: { connectMs: number; responseMs: number; idleMs: number };
  private session: string | undefined;
  /**
   * Until when the appliance is known to be away: after one request has spent all its retries on
   * a dead connection, the next ones try once instead of backing off again (a backup spooling
   * hundreds of objects, `havre status`), until one gets through.
   */
  private awayUntil = 0;

  constructor(private readonly opts: ApplianceClientOptions) {
    this.url = normaliseApplianceUrl(opts.url);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeouts = { connectMs: 10_000, responseMs: 60_000, idleMs: 120_000, ...opts.timeouts };
    this.session = opts.session;
    // TLS settings live on the agent: Node merges agent options over request options, so no
    // per-request setting can loosen them, and pooled connections are keyed by them.
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 8,
      ca: opts.ca,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(opts.clientCertificate ? { cert: opts.clientCertificate.cert, key: keyPem(opts.clientCertificate.key) } : {}),
    });
  }

  /** Uses this session from now on (after a login). */
  useSession(session: string | undefined): void {
    this.session = session;
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  // ---- discovery and enrollment (PROTOCOL.md §3–4) ------------------------------------------

  async info(): Promise<InfoResponse> {
    return this.json('GET', '/info', parse.parseInfo);
  }

  /** The CA certificate as served, PEM. Over this (pinned) client it only confirms what is trusted. */
  async ca(): Promise<string> {
    const a = await this.send('GET', '/ca', { accept: 'bytes', ok: [200], maxBytes: 64 * 1024 });
    return this.check(() => pem(a.body.toString('utf8'), 'ca', 'CERTIFICATE'));
  }

  async adminKey(): Promise<AdminKeyResponse> {
    return this.json('GET', '/admin-key', parse.parseAdminKey);
  }

  async enroll(req: EnrollRequest): Promise<EnrollResponse> {
    return this.json('POST', '/enroll', parse.parseEnrollResponse, { json: req, ok: [201], idempotent: false });
  }

  async renew(csr: string): Promise<RenewResponse> {
    return this.json('POST', '/machine/renew', parse.parseRenew, { json: { csr }, idempotent: false });
  }

  // ---- keys and auth (§5) ------------------------------------------------------------------

  async machineKeys(): Promise<MachineKeysResponse> {
    return this.json('GET', '/machine/keys', parse.parseMachineKeys);
  }

  /** Sets or changes the user's restore password. Never retried: a wrong current password counts toward the lockout. */
  async setPassword(req: SetPasswordRequest): Promise<SetPasswordResponse> {
    return this.json('POST', '/machine/password', parse.parseSetPassword, { json: req, idempotent: false });
  }

  async authParams(req: { role: 'user'; user: string }): Promise<Extract<AuthParamsResponse, { role: 'user' }>>;
  async authParams(req: { role: 'admin' }): Promise<Extract<AuthParamsResponse, { role: 'admin' }>>;
  async authParams(req: { role: 'user'; user: string } | { role: 'admin' }): Promise<AuthParamsResponse> {
    return this.json('POST', '/auth/params', (v) => parse.parseAuthParams(v, req.role), { json: req });
  }

  /** Logs in and keeps the session for later requests. Never retried after it may have reached the server. */
  async login(req: Extract<LoginRequest, { role: 'user' }>): Promise<Extract<LoginResponse, { role: 'user' }>>;
  async login(req: Extract<LoginRequest, { role: 'admin' }>): Promise<Extract<LoginResponse, { role: 'admin' }>>;
  async login(req: LoginRequest): Promise<LoginResponse> {
    let r: LoginResponse;
    try {
      r = await this.json('POST', '/auth/login', (v) => parse.parseLogin(v, req.role), { json: req, idempotent: false });
    } catch (e) {
      // 404: the appliance knows no such machine (PROTOCOL.md §5).
      if (req.role === 'user' && e instanceof HavreError && e.code === 'APPLIANCE_ERROR' && e.params.code === 'NOT_FOUND') {
        throw new HavreError('MACHINE_UNKNOWN', { machine: req.machineId });
      }
      throw e;
    }
    this.session = r.session;
    return r;
  }

  async adminMachines(): Promise<MachineSummary[]> {
    return this.json('GET', '/admin/machines', parse.parseMachineList);
  }

  async adminMachineKeys(machineId: string): Promise<AdminMachineKeysResponse> {
    const r = await this.json('GET', `/admin/machines/${hex32(machineId)}/keys`, parse.parseAdminMachineKeys);
    if (r.machineId !== machineId) throw this.invalid('keys of another machine');
    return r;
  }

  // ---- objects (§6) ------------------------------------------------------------------------

  private objectPath(machineId: string, kind: ObjectKind, name?: string): string {
    if (name !== undefined) assertObjectName(kind, name);
    return `/machines/${hex32(machineId)}/objects/${kind}${name !== undefined ? `/${name}` : ''}`;
  }

  async putObject(machineId: string, kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void> {
    await this.send('PUT', this.objectPath(machineId, kind, name), { bytes, accept: 'none', ok: [200, 201], object: { kind, name } });
  }

  async getObject(machineId: string, kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    if (range && (range.offset < 0 || range.length < 0 || !Number.isSafeInteger(range.offset) || !Number.isSafeInteger(range.length))) {
      throw new HavreError('INTERNAL', { reason: 'invalid byte range' });
    }
    if (range?.length === 0) return Buffer.alloc(0);
    const headers: Record<string, string> = range ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {};
    const a = await this.send('GET', this.objectPath(machineId, kind, name), { accept: 'bytes', ok: range ? [200, 206] : [200], object: { kind, name }, headers });
    // A server that ignores Range answers 200 with the whole object: cut the range out of it.
    if (range && a.status === 200) return a.body.subarray(range.offset, range.offset + range.length);
    if (range && a.body.length > range.length) throw this.invalid('a range answer longer than asked');
    return a.body;
  }

  async headObject(machineId: string, kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    const a = await this.send('HEAD', this.objectPath(machineId, kind, name), { accept: 'none', ok: [200, 404], object: { kind, name } });
    if (a.status === 404) return null;
    const len = a.headers['content-length'];
    if (len === undefined || !/^\d{1,15}$/.test(len)) throw this.invalid('HEAD without a Content-Length');
    return { name, size: Number(len) };
  }

  /** Every object of a kind, following `next` page after page. */
  async listObjects(machineId: string, kind: ObjectKind): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let after: string | undefined;
    for (;;) {
      const q = `?limit=${LIST_PAGE_MAX}${after !== undefined ? `&after=${after}` : ''}`;
      const page = await this.json('GET', this.objectPath(machineId, kind) + q, (v) => parse.parseListPage(v, after));
      out.push(...page.objects);
      if (page.next === undefined) return out;
      after = page.next;
    }
  }

  async deleteObject(machineId: string, kind: ObjectKind, name: string): Promise<DeleteResponse> {
    return this.json('DELETE', this.objectPath(machineId, kind, name), parse.parseDelete, { ok: [202], object: { kind, name } });
  }

  // ---- heartbeat and events (§7) -----------------------------------------------------------

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.json('POST', '/machine/heartbeat', parse.parseHeartbeat, { json: req });
  }

  async eventsHead(): Promise<ChainHead> {
    return this.json('GET', '/machine/events/head', (v) => parse.parseChainHead(v));
  }

  async pushEvents(events: readonly ChainedEvent[]): Promise<EventsResponse> {
    return this.json('POST', '/machine/events', parse.parseEventsResponse, { json: { events } });
  }

  // ---- the wire ----------------------------------------------------------------------------

  private invalid(reason: string): HavreError {
    return new HavreError('APPLIANCE_ERROR', { status: 'invalid answer', code: 'no code', reason });
  }

  private check<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ProtocolViolation) throw this.invalid(e.reason);
      throw e;
    }
  }

  private async json<T>(method: string, path: string, parser: (v: unknown) => T, opts: Partial<SendOptions> = {}): Promise<T> {
    const a = await this.send(method, path, { ok: [200], ...opts, accept: 'json' });
    let v: unknown;
    try {
      v = JSON.parse(a.body.toString('utf8'));
    } catch {
      throw this.invalid('not JSON');
    }
    return this.check(() => parser(v));
  }

  /** One request with retries; answers with a status in `ok`, or throws the mapped HavreError. */
  private async send(method: string, path: string, opts: SendOptions): Promise<Answer> {
    const sleep = this.retry.sleep ?? defaultSleep;
    const attempts = Date.now() < this.awayUntil ? 1 : Math.max(1, this.retry.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let a: Answer;
      try {
        a = await this.once(method, path, opts);
        this.awayUntil = 0;
      } catch (e) {
        if (e instanceof HavreError) throw e;
        if (isTlsVerifyError(e)) throw mapTransportError(e, this.url);
        // A request that may have reached the server is not sent twice unless it is idempotent.
        // Refused, or reset on a kept-alive connection the server had just closed (the request was
        // never read): surely not processed.
        const code = codeOf(e);
        const notSent = code === 'ECONNREFUSED' || (code === 'ECONNRESET' && reusedSockets.has(e as object));
        if (last || !isRetryableTransport(e) || (opts.idempotent === false && !notSent)) {
          const mapped = mapTransportError(e, this.url);
          if (mapped.code === 'APPLIANCE_UNREACHABLE') this.awayUntil = Date.now() + AWAY_MS;
          throw mapped;
        }
        await sleep(backoffDelay(attempt - 1, this.retry));
        continue;
      }
      if (opts.ok.includes(a.status)) return a;
      const retryable = RETRYABLE_STATUS.has(a.status) && (opts.idempotent !== false || a.status === 503 || a.status === 429);
      if (retryable && !last) {
        await sleep(Math.max(backoffDelay(attempt - 1, this.retry), retryAfterMs(a.headers['retry-after'], this.retry) ?? 0));
        continue;
      }
      let body: unknown = null;
      try {
        body = JSON.parse(a.body.toString('utf8'));
      } catch {
        // an error page that is not JSON: mapped by status alone
      }
      const err = mapWireError(parse.parseWireError(body), { url: this.url, status: a.status, ...(opts.object ? { object: opts.object } : {}) });
      if (err.code === 'APPLIANCE_UNREACHABLE') this.awayUntil = Date.now() + AWAY_MS;
      throw err;
    }
  }

  private headers(opts: SendOptions): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': 'havre', accept: opts.accept === 'json' ? 'application/json' : '*/*', ...opts.headers };
    if (this.session !== undefined) h.authorization = `Bearer ${this.session}`;
    return h;
  }

  private async once(method: string, path: string, opts: SendOptions): Promise<Answer> {
    const got = await loadGot();
    const headers = this.headers(opts);
    let body: Buffer | Readable | undefined;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json), 'utf8');
      headers['content-type'] = 'application/json';
    } else if (opts.bytes !== undefined) {
      const bytes = Buffer.from(opts.bytes.buffer, opts.bytes.byteOffset, opts.bytes.byteLength);
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(bytes.length);
      body = this.opts.upload ? Readable.from([bytes], { objectMode: false }).pipe(this.opts.upload.transform()) : bytes;
    } else if (method !== 'GET' && method !== 'HEAD') {
      body = Buffer.alloc(0); // ends the request in stream mode
    }
    const t = this.timeouts;
    const req = got.stream(`${this.url}${API}${path}`, {
      method: method as 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      decompress: false,
      agent: { https: this.agent },
      https: { rejectUnauthorized: true },
      timeout: { lookup: t.connectMs, connect: t.connectMs, secureConnect: t.connectMs, response: t.responseMs, socket: t.idleMs },
    });
    const max = opts.maxBytes ?? (opts.accept === 'json' ? MAX_JSON_BYTES : opts.accept === 'bytes' ? MAX_OBJECT_BYTES : 64 * 1024);
    let status = 0;
    let resHeaders: IncomingHttpHeaders = {};
    let reused = false;
    req.once('request', (r: { reusedSocket?: boolean }) => {
      reused = r.reusedSocket === true;
    });
    req.once('response', (res: { statusCode: number; headers: IncomingHttpHeaders }) => {
      status = res.statusCode;
      resHeaders = res.headers;
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = (): HavreError => this.invalid(`an answer larger than ${max} bytes`);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        // Error bodies are read whatever the limit of the success body, up to the JSON limit.
        if (size > Math.max(max, status >= 300 ? MAX_JSON_BYTES : 0)) cb(tooLarge());
        else {
          chunks.push(chunk);
          cb();
        }
      },
    });
    const limit = opts.accept === 'bytes' ? this.opts.download : undefined;
    const done = limit ? pipeline(req, limit.transform(), sink) : pipeline(req, sink);
    return done.then(() => ({ status, headers: resHeaders, body: Buffer.concat(chunks) }), (e: unknown) => {
      if (reused && status === 0 && typeof e === 'object' && e !== null) reusedSockets.add(e);
      throw e;
    });
  }
}

/** Failures of requests sent on a reused keep-alive connection, before any answer. */
const reusedSockets = new WeakSet<object>();

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

/** Ids go into URL paths: only 32 hex characters, never anything that could change the path. */
function hex32(id: string): string {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new HavreError('MACHINE_UNKNOWN', { machine: id.slice(0, 64) });
  return id;
}
