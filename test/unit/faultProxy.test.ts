// The fault-injecting proxies of test/helpers/faultProxy.ts, against a small local HTTP server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { HttpFaultProxy, TcpProxy } from '../helpers/faultProxy.js';
import { until } from '../helpers/until.js';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  bytes: number;
  complete: boolean;
  closed: boolean;
}

interface Upstream {
  port: number;
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** GET /bytes?n=N answers N pseudo-random bytes (Content-Length; /chunked?n=N: chunked); GET /hang
 *  never answers; anything else consumes the body and answers {bytes, sha256}. */
async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, bytes: 0, complete: false, closed: false };
    seen.push(s);
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => {
      s.bytes += c.length;
      hash.update(c);
    });
    req.on('close', () => (s.closed = true));
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/hang') return;
    req.on('end', () => {
      s.complete = true;
      const n = Number(u.searchParams.get('n') ?? 0);
      if (u.pathname === '/bytes' || u.pathname === '/chunked') {
        const body = pattern(n);
        res.writeHead(200, { 'X-Upstream-Case': 'Kept', ...(u.pathname === '/bytes' ? { 'Content-Length': String(n) } : {}) });
        res.end(body);
        return;
      }
      const text = JSON.stringify({ bytes: s.bytes, sha256: hash.digest('hex') });
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream-Case': 'Kept' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port, url: `http://127.0.0.1:${port}`, seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

interface Reply {
  status: number | null;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  /** Error code when the exchange failed (before or after the response head). */
  error: string | null;
}

function send(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer; agent?: Agent } = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const out: Reply = { status: null, headers: {}, rawHeaders: [], body: Buffer.alloc(0), error: null };
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      out.error = error;
      out.body = Buffer.concat(chunks);
      resolve(out);
    };
    const req = request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path, headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      out.status = res.statusCode ?? null;
      out.headers = res.headers;
      out.rawHeaders = res.rawHeaders;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(null));
      res.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
      res.on('aborted', () => finish('aborted'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    req.end(opts.body);
  });
}


const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('HttpFaultProxy', () => {
  let up: Upstream;
  let proxy: HttpFaultProxy;
  beforeAll(async () => {
    up = await startUpstream();
    proxy = await HttpFaultProxy.start(up.url);
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });
  afterEach(() => {
    proxy.clearFaults();
    proxy.up();
    proxy.requests.length = 0;
    up.seen.length = 0;
  });

  it('forwards request and response unchanged (Host, header case and order), streams bodies, and records', async () => {
    const body = randomBytes(4 * 1024 * 1024 + 13);
    const host = new URL(proxy.url).host;
    const r = await send(proxy.url, '/bucket/key?partNumber=1&x=%2F', {
      method: 'PUT', body, headers: { 'X-Amz-Date': '20260101T000000Z', 'X-Custom-CASE': 'v', 'Content-Length': String(body.length) },
    });
    expect(r.error).toBeNull();
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ bytes: body.length, sha256: sha(body) });
    expect(r.rawHeaders).toContain('X-Upstream-Case');
    const s = up.seen[0]!;
    expect(s.url).toBe('/bucket/key?partNumber=1&x=%2F');
    const names = s.rawHeaders.filter((_, i) => i % 2 === 0);
    expect(names.slice(0, 3)).toEqual(['X-Amz-Date', 'X-Custom-CASE', 'Content-Length']);
    expect(s.rawHeaders[s.rawHeaders.indexOf('Host') + 1]).toBe(host);
    expect(proxy.requests).toEqual([{
      method: 'PUT', path: '/bucket/key?partNumber=1&x=%2F', bodyBytes: body.length, status: 200,
      headers: expect.objectContaining({ 'x-amz-date': '20260101T000000Z', 'x-custom-case': 'v', host }) as unknown,
    }]);

    const big = await send(proxy.url, '/chunked?n=5000000');
    expect(big.status).toBe(200);
    expect(big.headers['transfer-encoding']).toBe('chunked');
    expect(sha(big.body)).toBe(sha(pattern(5_000_000)));
  });

  it('keeps connections alive to the client and to the upstream', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 12; i++) expect((await send(proxy.url, `/bytes?n=${i}`, { agent })).status).toBe(200);
    agent.destroy();
    expect(proxy.requests.map((r) => r.status)).toEqual(Array(12).fill(200));
  });

  it('respond: answers an S3 XML error itself, drains the body, never contacts upstream; `times` retires it', async () => {
    proxy.fault({ method: 'put', path: /^\/b\//, times: 2, action: { kind: 'respond', status: 503, code: 'SlowDown', message: 'Please <slow> down', headers: { 'Retry-After': '1' } } });
    const body = randomBytes(100_000);
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await send(proxy.url, `/b/k${i}`, { method: 'PUT', body }));
    expect(replies.map((r) => r.status)).toEqual([503, 503, 200]);
    const x = replies[0]!;
    expect(x.headers['content-type']).toBe('application/xml');
    expect(x.headers['retry-after']).toBe('1');
    expect(x.body.toString()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>SlowDown<\/Code><Message>Please &lt;slow&gt; down<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>$/);
    expect(up.seen.map((s) => s.url)).toEqual(['/b/k2']);
    expect(proxy.requests.map((r) => [r.path, r.bodyBytes, r.status])).toEqual([['/b/k0', 100_000, 503], ['/b/k1', 100_000, 503], ['/b/k2', 100_000, 200]]);
    expect(proxy.requests[0]!.headers['content-length']).toBe('100000');
  });

  it('matches on method and path; the first matching fault wins; a fault can be removed', async () => {
    const removeA = proxy.fault({ method: 'GET', path: /n=1$/, action: { kind: 'respond', status: 500, code: 'A' } });
    proxy.fault({ method: 'GET', action: { kind: 'respond', status: 500, code: 'B' } });
    expect((await send(proxy.url, '/bytes?n=1')).body.toString()).toContain('<Code>A</Code>');
    expect((await send(proxy.url, '/bytes?n=2')).body.toString()).toContain('<Code>B</Code>');
    expect((await send(proxy.url, '/x', { method: 'POST', body: Buffer.from('hi') })).status).toBe(200);
    removeA();
    expect((await send(proxy.url, '/bytes?n=1')).body.toString()).toContain('<Code>B</Code>');
    proxy.clearFaults();
    expect((await send(proxy.url, '/bytes?n=1')).status).toBe(200);
  });

  it('cut-request: the client sees a reset mid-upload and the upstream request is aborted', async () => {
    proxy.fault({ path: /^\/up/, times: 1, action: { kind: 'cut-request', afterBytes: 65_536 } });
    const r = await send(proxy.url, '/up', { method: 'PUT', body: randomBytes(8 * 1024 * 1024) });
    expect(r.status).toBeNull();
    expect(['ECONNRESET', 'EPIPE']).toContain(r.error);
    await until(() => up.seen[0]?.closed === true, 'up.seen[0]?.closed === true');
    expect(up.seen[0]!.complete).toBe(false);
    expect(up.seen[0]!.bytes).toBeLessThanOrEqual(65_536);
    expect(proxy.requests[0]!.status).toBeNull();
    expect(proxy.requests[0]!.bodyBytes).toBeGreaterThanOrEqual(65_536);
    // the fault retired: the next upload goes through
    const ok = await send(proxy.url, '/up', { method: 'PUT', body: randomBytes(1000) });
    expect(ok.status).toBe(200);
  });

  it('cut-request with afterBytes 0 on a bodiless request: no answer, a reset', async () => {
    proxy.fault({ times: 1, action: { kind: 'cut-request', afterBytes: 0 } });
    const r = await send(proxy.url, '/bytes?n=10');
    expect(r).toMatchObject({ status: null, error: 'ECONNRESET' });
    expect(up.seen).toEqual([]);
  });

  it('cut-response: passes the head and afterBytes of the body, then a reset', async () => {
    proxy.fault({ times: 1, action: { kind: 'cut-response', afterBytes: 1000 } });
    const r = await send(proxy.url, '/bytes?n=1000000');
    expect(r.status).toBe(200);
    expect(r.error).toMatch(/^(ECONNRESET|aborted)$/);
    expect(r.body.length).toBe(1000);
    expect(r.body).toEqual(pattern(1000));
    expect(proxy.requests[0]!.status).toBeNull();

    proxy.fault({ times: 1, action: { kind: 'cut-response', afterBytes: 0 } });
    const r0 = await send(proxy.url, '/chunked?n=50000');
    expect(r0.status).toBe(200);
    expect(r0.error).toMatch(/^(ECONNRESET|aborted)$/);
    expect(r0.body.length).toBe(0);
  });

  it('hang, then down(): the client gets a reset; while down new connections are reset; up() restores', async () => {
    proxy.fault({ path: /^\/bytes/, times: 1, action: { kind: 'hang' } });
    const pending = send(proxy.url, '/bytes?n=5', { method: 'PUT', body: randomBytes(300_000) });
    await until(() => proxy.requests[0]?.bodyBytes === 300_000, 'proxy.requests[0]?.bodyBytes === 300_000');
    await new Promise((r) => setTimeout(r, 100));
    expect(up.seen).toEqual([]);
    proxy.down();
    expect(await pending).toMatchObject({ status: null, error: 'ECONNRESET' });
    const t = Date.now();
    expect(await send(proxy.url, '/bytes?n=5')).toMatchObject({ status: null, error: 'ECONNRESET' });
    expect(Date.now() - t).toBeLessThan(500);
    proxy.up();
    expect((await send(proxy.url, '/bytes?n=5')).status).toBe(200);
    expect(proxy.requests.map((r) => r.status)).toEqual([null, 200]);
  });

  it('down() also cuts a forwarded request in flight and idle kept-alive connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(proxy.url, '/bytes?n=1', { agent })).status).toBe(200);
    const pending = send(proxy.url, '/hang', { agent });
    await until(() => up.seen.length === 2, 'up.seen.length === 2');
    proxy.down();
    expect(await pending).toMatchObject({ status: null, error: 'ECONNRESET' });
    await until(() => up.seen[1]!.closed, 'up.seen[1]!.closed');
    proxy.up();
    expect((await send(proxy.url, '/bytes?n=1', { agent })).status).toBe(200);
    agent.destroy();
  });

  it('delay: forwards after the delay', async () => {
    proxy.fault({ method: 'GET', times: 1, action: { kind: 'delay', ms: 300 } });
    const t = Date.now();
    const r = await send(proxy.url, '/bytes?n=10');
    expect(r.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    const t2 = Date.now();
    expect((await send(proxy.url, '/bytes?n=10')).status).toBe(200);
    expect(Date.now() - t2).toBeLessThan(250);
    // a body sent during the delay is forwarded whole afterwards
    proxy.fault({ method: 'PUT', times: 1, action: { kind: 'delay', ms: 200 } });
    const body = randomBytes(3_000_000);
    const r2 = await send(proxy.url, '/x', { method: 'PUT', body });
    expect(JSON.parse(r2.body.toString())).toEqual({ bytes: body.length, sha256: sha(body) });
    expect(proxy.requests.at(-1)).toMatchObject({ method: 'PUT', bodyBytes: body.length, status: 200 });
  });
});

describe('TcpProxy', () => {
  let up: Upstream;
  let proxy: TcpProxy;
  let url: string;
  beforeAll(async () => {
    up = await startUpstream();
    proxy = await TcpProxy.start('127.0.0.1', up.port);
    url = `http://127.0.0.1:${proxy.port}`;
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });

  it('passes bytes both ways', async () => {
    const body = randomBytes(3_000_000);
    const r = await send(url, '/x', { method: 'PUT', body });
    expect(JSON.parse(r.body.toString())).toEqual({ bytes: body.length, sha256: sha(body) });
    expect(sha((await send(url, '/bytes?n=4000000')).body)).toBe(sha(pattern(4_000_000)));
  });

  it('down() resets open connections and new ones; up() restores', async () => {
    up.seen.length = 0;
    const pending = send(url, '/hang');
    await until(() => up.seen.length === 1, 'up.seen.length === 1');
    proxy.down();
    expect(await pending).toMatchObject({ status: null, error: 'ECONNRESET' });
    expect(await send(url, '/bytes?n=3')).toMatchObject({ status: null, error: 'ECONNRESET' });
    proxy.up();
    expect((await send(url, '/bytes?n=3')).status).toBe(200);
  });

  it('cutAfter(bytes, times): the next connections are reset after that many client bytes', async () => {
    up.seen.length = 0;
    proxy.cutAfter(100_000, 2);
    for (let i = 0; i < 2; i++) {
      const r = await send(url, '/x', { method: 'PUT', body: randomBytes(1_000_000) });
      expect(r.status).toBeNull();
      expect(['ECONNRESET', 'EPIPE']).toContain(r.error);
    }
    await until(() => up.seen.length === 2 && up.seen.every((s) => s.closed), 'up.seen.length === 2 && up.seen.every((s) => s.closed)');
    for (const s of up.seen) {
      expect(s.complete).toBe(false);
      expect(s.bytes).toBeLessThan(100_000);
    }
    expect((await send(url, '/x', { method: 'PUT', body: randomBytes(1_000_000) })).status).toBe(200);

    proxy.cutAfter(10);
    expect(await send(url, '/bytes?n=3')).toMatchObject({ status: null, error: 'ECONNRESET' });
    expect(up.seen.length).toBe(3);
  });
});
