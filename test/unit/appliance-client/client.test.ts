// The HTTPS client against local test servers: pinning and TLS verification, mutual TLS, sessions,
// retries with backoff, the error table of PROTOCOL.md §2, hostile answers, object transfers.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApplianceClient, fetchPinnedCa } from '../../../src-main/engine/appliance/index.js';
import { Throttle, type Clock } from '../../../src-main/engine/net/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { createTestCa, json, startServer, wireError, type Handler, type KeyedCert, type TestCa, type TestServer } from './pki.js';

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };
const NAME = 'a'.repeat(64);
const MACHINE = 'b'.repeat(32);
const INFO = { protocol: 1, applianceId: 'c'.repeat(32), caFingerprint: 'd'.repeat(64), time: '2026-11-22T10:00:00.000Z' };

let ca: TestCa;
let rogue: TestCa;
let serverCert: KeyedCert;
let wrongName: KeyedCert;
let rogueServer: KeyedCert;
const servers: TestServer[] = [];

beforeAll(async () => {
  ca = await createTestCa('Appliance CA');
  rogue = await createTestCa('Interceptor CA');
  serverCert = await ca.issue({});
  wrongName = await ca.issue({ names: ['other.example'] });
  rogueServer = await rogue.issue({});
});

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function serve(handler: Handler, cert: KeyedCert = serverCert): Promise<TestServer> {
  const s = await startServer(cert, handler);
  servers.push(s);
  return s;
}

function client(s: TestServer, extra: Partial<ConstructorParameters<typeof ApplianceClient>[0]> = {}): ApplianceClient {
  return new ApplianceClient({ url: s.url, ca: ca.certPem, retry: FAST, ...extra });
}

async function failure(p: Promise<unknown>): Promise<HavreError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HavreError) return e;
    throw e;
  }
  throw new Error('expected a HavreError');
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('transport security', () => {
  it('talks to a server whose certificate the pinned CA issued', async () => {
    const s = await serve((_r, res) => json(res, 200, INFO));
    const c = client(s);
    expect(await c.info()).toEqual(INFO);
    c.close();
  });

  it('refuses a server certificate from another CA: APPLIANCE_CERT_MISMATCH, no request sent', async () => {
    const s = await serve((_r, res) => json(res, 200, INFO), rogueServer);
    const e = await failure(client(s, { session: 'S'.repeat(43) }).info());
    expect(e.code).toBe('APPLIANCE_CERT_MISMATCH');
    expect(s.requests).toHaveLength(0); // not the session, not even the path
  });

  it('refuses a certificate of the right CA that does not name this host', async () => {
    const s = await serve((_r, res) => json(res, 200, INFO), wrongName);
    const e = await failure(client(s).info());
    expect(e.code).toBe('APPLIANCE_CERT_MISMATCH');
    expect(e.params.reason).toMatch(/name this host/);
    expect(s.requests).toHaveLength(0);
  });

  it('never retries a verification failure', async () => {
    const s = await serve((_r, res) => json(res, 200, INFO), rogueServer);
    expect((await failure(client(s).info())).code).toBe('APPLIANCE_CERT_MISMATCH');
    expect(s.connections).toBe(1);
  });

  it('presents the machine certificate, and the session as a bearer token', async () => {
    const machine = await ca.issue({ cn: MACHINE, client: true });
    const s = await serve((_r, res) => json(res, 200, INFO));
    const c = client(s, { clientCertificate: { cert: machine.certPem, key: machine.keyDer }, session: 'x'.repeat(43) });
    await c.info();
    expect(s.requests[0]!.clientCert).toBe(machine.fingerprint);
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${'x'.repeat(43)}`);
    c.close();
  });

  it('refuses plain http URLs', () => {
    expect(() => new ApplianceClient({ url: 'http://127.0.0.1:1', ca: ca.certPem })).toThrow(/https/);
  });
});

describe('pinning the CA (fetchPinnedCa)', () => {
  it('accepts the CA with the given fingerprint, in any usual spelling', async () => {
    const s = await serve((_r, res) => res.end(ca.certPem));
    const pem = await fetchPinnedCa(s.url, ca.fingerprint.toUpperCase().match(/../g)!.join(':'));
    expect(pem).toContain('BEGIN CERTIFICATE');
    // ...and the pinned CA then verifies that very server
    expect((await failure(new ApplianceClient({ url: s.url, ca: pem, retry: FAST }).info())).code).toBe('APPLIANCE_ERROR'); // not JSON, but trusted
  });

  it('refuses an interceptor serving its own CA', async () => {
    const s = await serve((_r, res) => res.end(rogue.certPem), rogueServer);
    const e = await failure(fetchPinnedCa(s.url, ca.fingerprint));
    expect(e.code).toBe('APPLIANCE_CERT_MISMATCH');
  });

  it('refuses the right CA with a second certificate appended (it would be trusted too)', async () => {
    const s = await serve((_r, res) => res.end(ca.certPem + rogue.certPem));
    expect((await failure(fetchPinnedCa(s.url, ca.fingerprint))).code).toBe('APPLIANCE_CERT_MISMATCH');
  });

  it('an interceptor serving the genuine CA is caught at the next, verified connection', async () => {
    const s = await serve((r, res) => (r.url === '/v1/ca' ? res.end(ca.certPem) : json(res, 200, INFO)), rogueServer);
    const pem = await fetchPinnedCa(s.url, ca.fingerprint);
    const before = s.requests.length;
    expect((await failure(new ApplianceClient({ url: s.url, ca: pem, retry: FAST }).info())).code).toBe('APPLIANCE_CERT_MISMATCH');
    expect(s.requests.length).toBe(before);
  });

  it('says unreachable when nothing listens', async () => {
    const port = await closedPort();
    expect((await failure(fetchPinnedCa(`https://127.0.0.1:${port}`, ca.fingerprint, { retry: FAST }))).code).toBe('APPLIANCE_UNREACHABLE');
  });
});

describe('retries (PROTOCOL.md §2)', () => {
  it('retries 503 with full-jitter backoff, then succeeds', async () => {
    let n = 0;
    const s = await serve((_r, res) => (++n < 3 ? wireError(res, 503, 'UNAVAILABLE') : json(res, 200, INFO)));
    const slept: number[] = [];
    const c = client(s, { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, sleep: async (ms) => void slept.push(ms) } });
    expect(await c.info()).toEqual(INFO);
    expect(n).toBe(3);
    expect(slept).toEqual([50, 100]); // random·min(max, base·2^k)
  });

  it('gives up after the last attempt: 500 → APPLIANCE_ERROR, 503 → APPLIANCE_UNREACHABLE', async () => {
    const s = await serve((r, res) => (r.url === '/v1/info' ? wireError(res, 500, 'INTERNAL') : wireError(res, 503, 'UNAVAILABLE')));
    const e = await failure(client(s).info());
    expect(e.code).toBe('APPLIANCE_ERROR');
    expect(s.requests).toHaveLength(3);
    expect((await failure(client(s).adminKey())).code).toBe('APPLIANCE_UNREACHABLE');
  });

  it('does not retry a final answer (4xx)', async () => {
    const s = await serve((_r, res) => wireError(res, 403, 'FORBIDDEN'));
    expect((await failure(client(s).info())).code).toBe('APPLIANCE_FORBIDDEN');
    expect(s.requests).toHaveLength(1);
  });

  it('never sends a login twice once it may have reached the server', async () => {
    const s = await serve((_r, res) => wireError(res, 500, 'INTERNAL'));
    await failure(client(s).login({ role: 'admin', authKey: Buffer.alloc(32).toString('base64') }));
    expect(s.requests).toHaveLength(1);
  });

  it('resends a login only when its kept-alive connection was reset before any answer', async () => {
    let logins = 0;
    const s = await serve((r, res) => {
      if (r.url !== '/v1/auth/login') return json(res, 200, INFO);
      if (logins++ === 0) return res.socket?.destroy(); // as if the server had just closed the idle connection
      wireError(res, 401, 'WRONG_PASSWORD', { remaining: 3 });
    });
    const login = { role: 'admin' as const, authKey: Buffer.alloc(32).toString('base64') };
    const c = client(s);
    await c.info(); // the connection is now kept alive
    expect((await failure(c.login(login))).code).toBe('WRONG_PASSWORD_ATTEMPTS'); // the second try answered
    expect(logins).toBe(2);
    // on a fresh connection the same reset may come after the server acted on it: not resent
    logins = 0;
    expect((await failure(client(s).login(login))).code).toBe('APPLIANCE_UNREACHABLE');
    expect(logins).toBe(1);
  });

  it('retries refused and reset connections, then says APPLIANCE_UNREACHABLE', async () => {
    const port = await closedPort();
    const e = await failure(new ApplianceClient({ url: `https://127.0.0.1:${port}`, ca: ca.certPem, retry: FAST }).info());
    expect(e.code).toBe('APPLIANCE_UNREACHABLE');
    expect(e.params).toMatchObject({ url: `https://127.0.0.1:${port}`, reason: 'ECONNREFUSED' });
    const s = await serve((_r, res) => res.socket?.destroy());
    expect((await failure(client(s).info())).code).toBe('APPLIANCE_UNREACHABLE');
    expect(s.requests).toHaveLength(3);
  });
});

describe('an appliance known to be away', () => {
  it('is tried once per request, not through every backoff again, until it answers', async () => {
    let up = false;
    const s = await serve((_r, res) => (up ? json(res, 200, INFO) : wireError(res, 503, 'UNAVAILABLE')));
    const slept: number[] = [];
    const c = client(s, { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 10, sleep: async (ms) => void slept.push(ms) } });
    expect((await failure(c.info())).code).toBe('APPLIANCE_UNREACHABLE');
    expect(s.requests).toHaveLength(4);
    expect((await failure(c.info())).code).toBe('APPLIANCE_UNREACHABLE');
    expect(s.requests).toHaveLength(5); // one try
    up = true;
    expect(await c.info()).toEqual(INFO);
    up = false;
    await failure(c.info());
    expect(s.requests).toHaveLength(10); // back to full retries once it had answered
    expect(slept).toHaveLength(6);
  });
});

describe('wire errors → HavreError', () => {
  const cases: [number, string, Record<string, string | number>, string, Record<string, unknown>][] = [
    [401, 'WRONG_PASSWORD', { remaining: 3 }, 'WRONG_PASSWORD_ATTEMPTS', { remaining: 3 }],
    [423, 'LOCKED_OUT', { until: '2026-11-22T10:15:00.000Z' }, 'LOCKED_OUT', { until: '2026-11-22T10:15:00.000Z' }],
    [403, 'TOKEN_INVALID', { reason: 'used' }, 'TOKEN_INVALID', { reason: 'used' }],
    [401, 'CERT_UNTRUSTED', {}, 'APPLIANCE_CERT_REFUSED', {}],
    [401, 'CERT_UNKNOWN', {}, 'APPLIANCE_CERT_REFUSED', {}],
    [403, 'MACHINE_REVOKED', {}, 'APPLIANCE_CERT_REFUSED', { reason: 'machine revoked' }],
    [403, 'FORBIDDEN', {}, 'APPLIANCE_FORBIDDEN', {}],
    [507, 'QUOTA_EXCEEDED', { used: 10, quota: 20 }, 'APPLIANCE_QUOTA', { used: 10, quota: 20 }],
    [507, 'STORAGE_FULL', {}, 'STORE_FULL', {}],
    [400, 'BAD_REQUEST', { reason: 'x' }, 'APPLIANCE_ERROR', { status: 400, code: 'BAD_REQUEST' }],
    [418, 'TEAPOT', {}, 'APPLIANCE_ERROR', { status: 418, code: 'no code' }],
  ];
  it.each(cases)('%i %s', async (status, code, params, expected, expectedParams) => {
    const s = await serve((_r, res) => wireError(res, status, code, params));
    const e = await failure(client(s).info());
    expect(e.code).toBe(expected);
    expect(e.params).toMatchObject(expectedParams);
  });

  it('a 404 on an object is OBJECT_MISSING; HEAD 404 is null; DELETE answers applyAfter', async () => {
    const s = await serve((r, res) => {
      if (r.method === 'DELETE') return json(res, 202, { applyAfter: '2026-12-06T10:00:00.000Z' });
      if (r.method === 'HEAD') return void res.writeHead(404).end();
      wireError(res, 404, 'NOT_FOUND');
    });
    const c = client(s);
    expect((await failure(c.getObject(MACHINE, 'data', NAME))).code).toBe('OBJECT_MISSING');
    expect(await c.headObject(MACHINE, 'data', NAME)).toBeNull();
    expect(await c.deleteObject(MACHINE, 'data', NAME)).toEqual({ applyAfter: '2026-12-06T10:00:00.000Z' });
  });

  it('an error page that is not JSON still maps by status', async () => {
    const s = await serve((_r, res) => void res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    expect((await failure(client(s).info())).code).toBe('APPLIANCE_UNREACHABLE');
  });

  it('keeps no server text that could carry control characters', async () => {
    const s = await serve((_r, res) => json(res, 403, { error: { code: 'FORBIDDEN', message: 'no\u001b[31m way\n', params: {} } }));
    const e = await failure(client(s).info());
    // eslint-disable-next-line no-control-regex -- control characters are what must not be there
    expect(e.message).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('hostile answers never crash the client', () => {
  const bad: [string, unknown][] = [
    ['null', null],
    ['an array', [1, 2]],
    ['a wrong type', { ...INFO, protocol: '1' }],
    ['a bad id', { ...INFO, applianceId: '../../etc' }],
    ['a missing member', { protocol: 1 }],
  ];
  it.each(bad)('info answered with %s → APPLIANCE_ERROR', async (_what, body) => {
    const s = await serve((_r, res) => json(res, 200, body));
    expect((await failure(client(s).info())).code).toBe('APPLIANCE_ERROR');
  });

  it('refuses text that is not JSON, and keys of the wrong size', async () => {
    const s = await serve((r, res) => (r.url === '/v1/info' ? res.end('{"protocol":') : json(res, 200, { machineId: MACHINE, repoId: MACHINE, host: 'h', user: 'u', beemoAes: 'AAAA', secretPoste: 'AAAA' })));
    expect((await failure(client(s).info())).code).toBe('APPLIANCE_ERROR');
    expect((await failure(client(s).machineKeys())).code).toBe('APPLIANCE_ERROR');
  });

  it('tolerates members it does not know (a newer appliance)', async () => {
    const s = await serve((_r, res) => json(res, 200, { ...INFO, features: ['x'] }));
    expect(await client(s).info()).toEqual(INFO);
  });

  it('stops a listing whose next page does not move forward (no endless loop)', async () => {
    const s = await serve((_r, res) => json(res, 200, { objects: [{ name: NAME, size: 1 }], next: NAME }));
    expect((await failure(client(s).listObjects(MACHINE, 'index'))).code).toBe('APPLIANCE_ERROR');
    expect(s.requests.length).toBeLessThanOrEqual(2);
  });

  it('refuses a listing out of order or with names that are not object names', async () => {
    const s = await serve((r, res) => json(res, 200, r.url.includes('/index')
      ? { objects: [{ name: 'b'.repeat(64), size: 1 }, { name: 'a'.repeat(64), size: 1 }] }
      : { objects: [{ name: '../x', size: 1 }] }));
    expect((await failure(client(s).listObjects(MACHINE, 'index'))).code).toBe('APPLIANCE_ERROR');
    expect((await failure(client(s).listObjects(MACHINE, 'data'))).code).toBe('APPLIANCE_ERROR');
  });

  it('refuses a range answer longer than asked', async () => {
    const s = await serve((_r, res) => void res.writeHead(206, { 'content-length': 100 }).end(Buffer.alloc(100)));
    expect((await failure(client(s).getObject(MACHINE, 'data', NAME, { offset: 0, length: 10 }))).code).toBe('APPLIANCE_ERROR');
  });

  it('never puts a machine id or a name that is not hex into a URL', async () => {
    const s = await serve((_r, res) => json(res, 200, {}));
    await expect(client(s).getObject('../admin', 'data', NAME)).rejects.toThrow();
    await expect(client(s).getObject(MACHINE, 'data', '../../x')).rejects.toThrow();
    expect(s.requests).toHaveLength(0);
  });
});

describe('objects', () => {
  it('follows list pages', async () => {
    const names = ['1', '2', '3'].map((c) => c.repeat(64));
    const s = await serve((r, res) => {
      const after = new URL(r.url, 'https://x').searchParams.get('after');
      const i = after === null ? 0 : names.indexOf(after) + 1;
      json(res, 200, { objects: [{ name: names[i], size: i }], ...(i < 2 ? { next: names[i] } : {}) });
    });
    expect(await client(s).listObjects(MACHINE, 'data')).toEqual(names.map((name, i) => ({ name, size: i })));
    expect(s.requests.map((r) => r.url)).toEqual([
      `/v1/machines/${MACHINE}/objects/data?limit=10000`,
      `/v1/machines/${MACHINE}/objects/data?limit=10000&after=${names[0]}`,
      `/v1/machines/${MACHINE}/objects/data?limit=10000&after=${names[1]}`,
    ]);
  });

  it('asks for one range, and cuts it out itself from a server that ignores Range', async () => {
    const body = Buffer.from('0123456789');
    const s = await serve((r, res) => {
      if (r.headers.range === 'bytes=2-5' && s.requests.length === 1) return void res.writeHead(206, { 'content-length': 4 }).end(body.subarray(2, 6));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    expect((await client(s).getObject(MACHINE, 'data', NAME, { offset: 2, length: 4 })).toString()).toBe('2345');
    expect((await client(s).getObject(MACHINE, 'data', NAME, { offset: 2, length: 4 })).toString()).toBe('2345');
  });

  it('uploads the exact bytes with their length, and reads the size from HEAD', async () => {
    const bytes = Buffer.alloc(300_000, 7);
    const s = await serve((r, res) => {
      if (r.method === 'HEAD') return void res.writeHead(200, { 'content-length': 300000 }).end();
      res.writeHead(201).end();
    });
    await client(s).putObject(MACHINE, 'data', NAME, bytes);
    expect(s.requests[0]!.headers['content-length']).toBe('300000');
    expect(s.requests[0]!.headers['content-type']).toBe('application/octet-stream');
    expect(s.requests[0]!.body.equals(bytes)).toBe(true);
    expect(await client(s).headObject(MACHINE, 'data', NAME)).toEqual({ name: NAME, size: 300_000 });
  });

  it('sends uploads and reads downloads through the bandwidth limits', async () => {
    let t = 0;
    const slept: number[] = [];
    const clock: Clock = { now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; } };
    const payload = Buffer.alloc(200 * 1024, 1);
    const s = await serve((r, res) => (r.method === 'PUT' ? res.writeHead(201).end() : res.writeHead(200, { 'content-length': payload.length }).end(payload)));
    const upload = new Throttle(64 * 1024, clock);
    const download = new Throttle(32 * 1024, clock);
    const c = client(s, { upload, download });
    await c.putObject(MACHINE, 'data', NAME, payload);
    // 200 KiB at 64 KiB/s with a 64 KiB burst: 136 KiB wait, 2125 ms of (virtual) time.
    expect(t).toBeCloseTo(((200 - 64) * 1000) / 64, -1);
    expect(s.requests[0]!.body.equals(payload)).toBe(true);
    t = 0;
    const back = await c.getObject(MACHINE, 'data', NAME);
    expect(back.equals(payload)).toBe(true);
    expect(t).toBeGreaterThanOrEqual(((200 - 32) * 1000) / 32 - 10);
  });
});
