// The appliance under attack (issue 10): slow-loris clients (headers or a body trickled, or a body
// that stops coming), oversized bodies, headers and URLs, a machine using other machines' ids and
// keys, password guessing against the lockout (at once and in sprays), and a storm of mutated
// requests to every route. The appliance stays up, answers the legitimate machines meanwhile,
// keeps each machine's objects its own, never reports an internal error, and sheds the stalled
// connections by itself.
import { randomBytes } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResponse } from '../../src-main/engine/appliance/protocol.js';
import { startAppliance, type TestAppliance } from '../appliance/helpers/appliance.js';
import { call, type CallOptions, type Reply } from '../appliance/helpers/https.js';
import { foreignIdentity } from '../appliance/helpers/identity.js';
import { authKeyOf, enroll, type TestMachine } from '../appliance/helpers/machines.js';
import { newObject, objectPath, putObject, sha256Hex } from '../appliance/helpers/objects.js';
import type { Rng } from './helpers/random.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

/** Short server timeouts, so that the test sees stalled connections shed without waiting minutes. */
const LIMITS = { headersMs: 2_000, idleMs: 3_000, jsonBodyMs: 2_000 };
const SLOW_CLIENTS = sized(300, 2000);
const WRONG_KEY = Buffer.alloc(32, 9).toString('base64');

/** A raw TLS connection to the appliance that writes what it is told, when it is told. */
function rawConnection(t: TestAppliance): Promise<{ socket: TLSSocket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: t.port, ca: t.caPem, servername: 'localhost' }, () => resolve({ socket, closed }));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined); // a reset by the server is what is expected
    socket.once('error', reject);
  });
}

describe('the appliance under attack', () => {
  const rng = scenarioRng('appliance-attack');
  const tally = new ScenarioTally('appliance-attack', 'hostile requests and connections', rng.seed);
  let t: TestAppliance;
  let alice: TestMachine;
  let bob: TestMachine;

  beforeAll(async () => {
    t = await startAppliance({ limits: LIMITS });
    alice = await enroll(t, { host: 'PC-ALICE', user: 'alice' });
    bob = await enroll(t, { host: 'PC-BOB', user: 'bob' });
  });
  afterAll(async () => {
    tally.write();
    await t?.stop(); // fails when the appliance reported an internal error
  });

  /** A legitimate machine's round trip: store an object, list it, read it back. */
  async function legit(m: TestMachine): Promise<void> {
    const o = newObject(rng.between(1, 300_000));
    expect((await putObject(t, m, 'data', o.bytes)).status).toBe(201);
    const list = (await call(t, 'GET', objectPath(m.machineId, 'data'), { id: m.id })).json<ListResponse>();
    expect(list.objects.map((x) => x.name)).toContain(o.name);
    expect((await call(t, 'GET', objectPath(m.machineId, 'data', o.name), { id: m.id })).body.equals(o.bytes)).toBe(true);
  }

  it(`slow-loris: ${SLOW_CLIENTS} connections trickling headers, trickling bodies or stalling; the machines are served meanwhile, and the stalled connections are shed`, { timeout: 120_000 }, async () => {
    const conns = await Promise.all(Array.from({ length: SLOW_CLIENTS }, () => rawConnection(t)));
    const kinds = ['headers', 'json body', 'stalled body', 'idle'] as const;
    const timers: NodeJS.Timeout[] = [];
    conns.forEach(({ socket }, i) => {
      const kind = kinds[i % kinds.length]!;
      tally.count(`slow-loris: ${kind}`);
      if (kind === 'headers') {
        // One header byte a second, for ever: never a complete request head.
        socket.write('POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\n');
        timers.push(setInterval(() => socket.writable && socket.write('X'), 1000));
      } else if (kind === 'json body') {
        // A login body that would fit the JSON limit, one byte a second (unauthenticated).
        socket.write('POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{');
        timers.push(setInterval(() => socket.writable && socket.write(' '), 1000));
      } else if (kind === 'stalled body') {
        socket.write('POST /v1/enroll HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"tok');
      }
      // 'idle': a TLS connection that never sends a request.
    });
    // Meanwhile, the machines back up and read back.
    for (let i = 0; i < 5; i++) await Promise.all([legit(alice), legit(bob)]);
    // The appliance sheds every stalled connection by itself (its timeouts are LIMITS here).
    await Promise.all(conns.map((c) => c.closed));
    for (const timer of timers) clearInterval(timer);
    await legit(alice);
  });

  it('oversized bodies, headers and URLs are refused before they are read, and the appliance goes on', async () => {
    const cases: [string, () => Promise<Reply>, number[]][] = [
      ['JSON body over 256 KiB (declared)', () => call(t, 'POST', '/v1/auth/login', { body: Buffer.alloc(300 * 1024, 0x20), headers: { 'Content-Type': 'application/json' } }), [413]],
      ['JSON body over 256 KiB (chunked, no length)', () => call(t, 'POST', '/v1/enroll', { body: Buffer.alloc(2 * 1024 * 1024, 0x20), headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }), [413]],
      ['object over the limit (declared)', () => call(t, 'PUT', objectPath(alice.machineId, 'data', 'ab'.repeat(32)), { id: alice.id, headers: { 'Content-Length': 65 * 1024 * 1024 }, body: Buffer.alloc(0) }), [413]],
      ['object without a length', () => call(t, 'PUT', objectPath(alice.machineId, 'data', 'ab'.repeat(32)), { id: alice.id, body: Buffer.alloc(10), headers: { 'Transfer-Encoding': 'chunked' } }), [411]],
      ['a 64 KiB header', () => call(t, 'GET', '/v1/info', { headers: { 'X-Filler': 'a'.repeat(64 * 1024) } }), [431]],
      ['3000 headers', () => call(t, 'GET', '/v1/info', { headers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`X-H${i}`, 'v'])) }), [200, 431]],
      ['a 100 KiB URL', () => call(t, 'GET', `/v1/machines/${alice.machineId}/objects/data?after=${'a'.repeat(100 * 1024)}`, { id: alice.id }), [400, 414, 431]],
      // Found by the request storm: a target starting with // was read as a host, and `%2F` made it throw (500).
      ['a request target //%2F/heartbeat', () => call(t, 'POST', '//%2F/heartbeat', { id: alice.id, json: { status: {}, config: {} } }), [400, 404]],
      ['a request target //evil.example/v1/info', () => call(t, 'GET', '//evil.example/v1/info'), [400, 404]],
      ['an absolute-form request target', () => call(t, 'GET', 'https://evil.example/v1/info'), [400, 404]],
      ['a JSON document nested 100,000 deep', () => call(t, 'POST', '/v1/machine/events', { id: alice.id, body: `{"events":[{"seq":1,"time":"2026-01-01T00:00:00Z","type":"x","prev":"${'0'.repeat(64)}","hash":"${'0'.repeat(64)}","data":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`, headers: { 'Content-Type': 'application/json' } }), [400, 413]],
    ];
    for (const [label, send, statuses] of cases) {
      // Refused before its body is read, a request may see its connection closed while it still
      // writes (PROTOCOL.md §1): a reset is an answer too.
      const r = await send().catch((e: unknown) => {
        if ((e as { code?: string }).code !== 'ECONNRESET' && (e as { code?: string }).code !== 'EPIPE') throw e;
        return 'closed' as const;
      });
      tally.count('oversized');
      if (r !== 'closed') expect(statuses, `${label}: ${r.status} ${r.body.toString().slice(0, 200)}`).toContain(r.status);
      expect((await call(t, 'GET', '/v1/info')).status, `after ${label}`).toBe(200);
    }
    await legit(alice);
  });

  it('a machine using other machines’ ids, certificates, sessions and keys reaches nothing of theirs', async () => {
    const carol = await enroll(t, { host: 'PC-CAROL', user: 'carol' });
    const bobObject = newObject(5000);
    expect((await putObject(t, bob, 'data', bobObject.bytes)).status).toBe(201);
    const aliceSession = (await call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: alice.machineId, authKey: await authKeyOf(alice.password, alice.keys.userPrivateKey.wrap) } })).json<{ session: string }>().session;
    const foreign = await foreignIdentity(bob.machineId);
    t.app.machines.revoke(carol.machineId, 'admin-cli');
    const identities: [string, CallOptions][] = [
      ['alice’s certificate', { id: alice.id }],
      ['alice’s user session', { bearer: aliceSession }],
      ['a foreign CA’s certificate named after bob', { id: foreign }],
      ['carol’s revoked certificate', { id: carol.id }],
      ['a forged session', { bearer: randomBytes(32).toString('base64url') }],
      ['no identity', {}],
    ];
    const victims = [bob.machineId, '0'.repeat(32), 'f'.repeat(32)];
    for (const [who, id] of identities) {
      for (const victim of victims) {
        const requests: [string, string, CallOptions][] = [
          ['GET', objectPath(victim, 'data', bobObject.name), {}],
          ['HEAD', objectPath(victim, 'data', bobObject.name), {}],
          ['GET', objectPath(victim, 'data'), {}],
          ['GET', objectPath(victim, 'data', bobObject.name), { headers: { Range: 'bytes=0-10' } }],
          ['PUT', objectPath(victim, 'data', sha256Hex(Buffer.from('x'))), { body: Buffer.from('x') }],
          ['DELETE', objectPath(victim, 'data', bobObject.name), {}],
          ['GET', `/v1/admin/machines/${victim}/keys`, {}],
        ];
        for (const [method, path, extra] of requests) {
          const r = await call(t, method, path, { ...id, ...extra, headers: { ...(id.headers ?? {}), ...(extra.headers ?? {}) } });
          tally.count('identity: another machine’s objects or keys');
          expect([401, 403, 404], `${who} ${method} ${path}: ${r.status}`).toContain(r.status);
          expect(r.body.includes(bobObject.bytes.subarray(0, 64)), `${who} ${method} ${path} got bob’s bytes`).toBe(false);
        }
      }
      // Machine endpoints answer for the caller's own machine, whatever the request names.
      const keys = await call(t, 'GET', `/v1/machine/keys?machineId=${bob.machineId}`, id);
      tally.count('identity: machine keys');
      if (keys.status === 200) expect(keys.json<{ machineId: string }>().machineId).toBe(alice.machineId);
    }
    // Bob's object is untouched and still his.
    expect((await call(t, 'GET', objectPath(bob.machineId, 'data', bobObject.name), { id: bob.id })).body.equals(bobObject.bytes)).toBe(true);
    expect((await call(t, 'GET', objectPath(bob.machineId, 'data'), { id: bob.id })).json<ListResponse>().objects.map((o) => o.name)).toContain(bobObject.name);
  });

  it('password guessing: 100 guesses at once lock the account after 5; the right key is refused while locked; others are not affected', async () => {
    const dave = await enroll(t, { host: 'PC-DAVE', user: 'dave' });
    const erin = await enroll(t, { host: 'PC-ERIN', user: 'erin' });
    const guesses = await Promise.all(Array.from({ length: 100 }, () => call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: dave.machineId, authKey: randomBytes(32).toString('base64') } })));
    tally.count('password guesses', guesses.length);
    const statuses = guesses.map((g) => g.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(4); // WRONG_PASSWORD, 4 left … 1 left
    expect(statuses.filter((s) => s === 423)).toHaveLength(96); // the 5th locks; every later one is refused unheard
    const daveKey = await authKeyOf(dave.password, dave.keys.userPrivateKey.wrap);
    expect((await call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: dave.machineId, authKey: daveKey } })).status).toBe(423);
    expect(t.app.alerts.list({ machineId: dave.machineId }).filter((a) => a.type === 'LOCKOUT' && a.open)).toHaveLength(1);
    // A spray: 4 wrong keys on each of several accounts locks none of them.
    for (const m of [erin, alice, bob]) {
      for (let i = 0; i < 4; i++) expect((await call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: m.machineId, authKey: WRONG_KEY } })).status).toBe(401);
      tally.count('password guesses', 4);
      expect((await call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: m.machineId, authKey: await authKeyOf(m.password, m.keys.userPrivateKey.wrap) } })).status).toBe(200);
    }
    // The administrator account locks the same way, and the machines keep working.
    const admin = await Promise.all(Array.from({ length: 20 }, () => call(t, 'POST', '/v1/auth/login', { json: { role: 'admin', authKey: randomBytes(32).toString('base64') } })));
    tally.count('password guesses', admin.length);
    expect(admin.filter((g) => g.status === 401)).toHaveLength(4);
    expect(admin.filter((g) => g.status === 423)).toHaveLength(16);
    t.app.accounts.unlock('admin');
    await legit(bob);
  });

  it(`a storm of mutated requests to every route is answered with protocol errors, never an internal one`, { timeout: 120_000 }, async () => {
    const storm = sized(1500, 20_000);
    const o = newObject(1000);
    await putObject(t, alice, 'data', o.bytes);
    const routes: [string, string, unknown][] = [
      ['POST', '/v1/enroll', { token: `HVT1.${'0'.repeat(16)}.${'A'.repeat(43)}.${t.caFingerprint()}`, csr: '-----BEGIN CERTIFICATE REQUEST-----\nMII\n-----END CERTIFICATE REQUEST-----', host: 'h', user: 'u', keys: alice.keys, authKey: WRONG_KEY }],
      ['POST', '/v1/auth/params', { role: 'user', user: 'alice' }],
      ['POST', '/v1/auth/login', { role: 'user', machineId: bob.machineId, authKey: WRONG_KEY }],
      ['POST', '/v1/machine/heartbeat', { status: { a: 1 }, config: {} }],
      ['POST', '/v1/machine/events', { events: [] }],
      ['POST', '/v1/machine/renew', { csr: 'x' }],
      ['GET', '/v1/machine/keys', null],
      ['GET', '/v1/machine/events/head', null],
      ['GET', `/v1/machines/${alice.machineId}/objects/data?after=${'0'.repeat(64)}&limit=10`, null],
      ['GET', objectPath(alice.machineId, 'data', o.name), null],
      ['HEAD', objectPath(alice.machineId, 'data', o.name), null],
      ['DELETE', objectPath(alice.machineId, 'index', 'cd'.repeat(32)), null],
      ['GET', '/v1/admin/machines', null],
      ['GET', '/v1/info', null],
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < storm; i++) {
      const r = rng.fork(`storm-${i}`);
      const [method0, path0, body0] = r.pick(routes);
      const req = mutateRequest(r, method0, path0, body0);
      const identity: CallOptions = r.pick([{}, { id: alice.id }, { id: bob.id }, { bearer: r.bytes(32).toString('base64url') }]);
      let reply: Reply | null = null;
      try {
        reply = await call(t, req.method, req.path, { ...identity, headers: req.headers, ...(req.body !== null ? { body: req.body } : {}) });
      } catch {
        // a connection the server closed on a malformed request: an answer of its own
      }
      tally.count('request storm');
      if (reply) {
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        expect(reply.status, `${req.method} ${req.path.slice(0, 120)}: ${reply.body.toString().slice(0, 300)}`).toBeLessThan(500);
      }
    }
    for (const [status, n] of statuses) tally.note(`storm: HTTP ${status}`, n);
    // The storm may have asked, with alice's own certificate, to delete her object: uploading it
    // again cancels that, and its bytes are the ones stored first (write once).
    expect((await putObject(t, alice, 'data', o.bytes)).status).toBeLessThan(300);
    expect((await call(t, 'GET', objectPath(alice.machineId, 'data', o.name), { id: alice.id })).body.equals(o.bytes)).toBe(true);
    await legit(bob);
  });
});

/** A request derived from a valid one: method, path segments, query, headers and JSON body mutated. */
function mutateRequest(r: Rng, method: string, path: string, body: unknown): { method: string; path: string; headers: Record<string, string>; body: Buffer | null } {
  const headers: Record<string, string> = {};
  let m = method;
  let p = path;
  let b: Buffer | null = body === null ? null : Buffer.from(JSON.stringify(body));
  const n = r.between(1, 3);
  for (let i = 0; i < n; i++) {
    switch (r.int(9)) {
      case 0: m = r.pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT_X']); break;
      case 1: { // a path segment replaced
        const segs = p.split('/');
        segs[r.between(1, segs.length - 1)] = r.pick(['..', '.', '%2e%2e', '%00', '%zz', 'a'.repeat(300), '', '0'.repeat(32), 'config', 'data', '%2F', '😀']);
        p = segs.join('/');
        break;
      }
      case 2: p += r.pick(['?', '?limit=-1', '?limit=99999999', '?after=zz', '?after=', '?x=1', '?limit=1&limit=2', '#frag', '/extra']); break;
      case 3: headers.Range = r.pick(['bytes=0-0', 'bytes=-0', 'bytes=5-1', 'bytes=0-1,2-3', 'bytes=999999999999-', 'items=1-2', 'bytes=--1']); break;
      case 4: headers['Content-Type'] = r.pick(['application/json', 'text/plain', 'application/octet-stream', '']); break;
      case 5: headers.Authorization = r.pick(['Bearer', 'Bearer a b', 'Basic YTpi', `Bearer ${'A'.repeat(43)}`, 'Bearer ÿ']); break;
      case 6: b = b ? Buffer.concat([b.subarray(0, r.int(b.length)), r.bytes(r.int(16))]) : r.bytes(r.int(64)); break;
      case 7: b = Buffer.from(JSON.stringify(r.pick([null, [], 1, 'x', { role: 'admin' }, { events: [{}] }, { status: [], config: 'x' }, { csr: 5 }]))); break;
      default: headers[r.pick(['Expect', 'Transfer-Encoding', 'Content-Encoding', 'X-Forwarded-For'])] = r.pick(['100-continue', 'gzip', 'chunked', '1.2.3.4']);
    }
  }
  return { method: m, path: p, headers, body: b };
}
