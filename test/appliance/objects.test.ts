// Each machine's write-once object store (PROTOCOL.md §6): idempotent, checked uploads, ranges,
// pages, isolation between machines, quota, and uploads cut mid-way.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResponse, MachineKeysResponse } from '../../src-main/engine/appliance/protocol.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call, open } from './helpers/https.js';
import { enroll, type TestMachine } from './helpers/machines.js';
import { newObject, objectPath, putObject, sha256Hex } from './helpers/objects.js';
import { until } from '../helpers/until.js';


describe('appliance objects', () => {
  let t: TestAppliance;
  let a: TestMachine;
  let b: TestMachine;

  beforeAll(async () => {
    t = await startAppliance({ config: (c) => ({ ...c, maxObjectBytes: 4 * 1024 * 1024 }) });
    a = await enroll(t, { host: 'PC-A', user: 'anne' });
    b = await enroll(t, { host: 'PC-B', user: 'bert' });
  });
  afterAll(() => t.stop());

  it('stores an object once: 201, then 200 for the same bytes; reads back identical bytes', async () => {
    const o = newObject(300_000);
    const first = await putObject(t, a, 'data', o.bytes);
    expect(first.status).toBe(201);
    const again = await putObject(t, a, 'data', o.bytes);
    expect(again.status).toBe(200);
    const get = await call(t, 'GET', objectPath(a.machineId, 'data', o.name), { id: a.id });
    expect(get.status).toBe(200);
    expect(get.body.equals(o.bytes)).toBe(true);
    const head = await call(t, 'HEAD', objectPath(a.machineId, 'data', o.name), { id: a.id });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(o.bytes.length));
    expect(head.body.length).toBe(0);
    // On disk, fanned out by the name's first two characters, under the machine's own folder.
    expect(existsSync(join(t.dir, 'objects', a.machineId, 'data', o.name.slice(0, 2), o.name))).toBe(true);
    expect(t.app.machines.info(a.machineId).usedBytes).toBe(300_000);
  });

  it('refuses bytes that do not hash to the name with 422, and nothing becomes visible', async () => {
    const o = newObject(10_000);
    const wrongName = sha256Hex(Buffer.from('something else'));
    const r = await putObject(t, a, 'index', o.bytes, wrongName);
    expect(r.status).toBe(422);
    expect(r.code).toBe('DIGEST_MISMATCH');
    expect((await call(t, 'HEAD', objectPath(a.machineId, 'index', wrongName), { id: a.id })).status).toBe(404);
    expect(existsSync(join(t.dir, 'objects', a.machineId, 'index', wrongName.slice(0, 2), wrongName))).toBe(false);
    expect(readdirSync(join(t.dir, 'objects', '.tmp'))).toEqual([]);
    // Even for a name already stored, other bytes are refused, and the stored ones are untouched.
    const good = newObject(1000);
    expect((await putObject(t, a, 'index', good.bytes)).status).toBe(201);
    expect((await putObject(t, a, 'index', newObject(1000).bytes, good.name)).status).toBe(422);
    expect((await call(t, 'GET', objectPath(a.machineId, 'index', good.name), { id: a.id })).body.equals(good.bytes)).toBe(true);
  });

  it('serves one byte range with 206, and 416 for a range outside the object', async () => {
    const o = newObject(100_000);
    await putObject(t, a, 'data', o.bytes);
    const path = objectPath(a.machineId, 'data', o.name);
    const r = await call(t, 'GET', path, { id: a.id, headers: { Range: 'bytes=1000-1999' } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 1000-1999/100000');
    expect(r.body.equals(o.bytes.subarray(1000, 2000))).toBe(true);
    const tail = await call(t, 'GET', path, { id: a.id, headers: { Range: 'bytes=-10' } });
    expect(tail.body.equals(o.bytes.subarray(99_990))).toBe(true);
    const open_ = await call(t, 'GET', path, { id: a.id, headers: { Range: 'bytes=99990-' } });
    expect(open_.body.equals(o.bytes.subarray(99_990))).toBe(true);
    const out = await call(t, 'GET', path, { id: a.id, headers: { Range: 'bytes=100000-100010' } });
    expect(out.status).toBe(416);
    expect(out.code).toBe('RANGE_INVALID');
    expect(out.headers['content-range']).toBe('bytes */100000');
  });

  it('lists in name order, one page at a time', async () => {
    const objs = Array.from({ length: 7 }, () => newObject(100 + Math.floor(Math.random() * 100)));
    for (const o of objs) expect((await putObject(t, b, 'snapshots', o.bytes)).status).toBe(201);
    const expected = objs.map((o) => ({ name: o.name, size: o.bytes.length })).sort((x, y) => (x.name < y.name ? -1 : 1));
    const seen: { name: string; size: number }[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const q = `?limit=3${after ? `&after=${after}` : ''}`;
      const page = (await call(t, 'GET', objectPath(b.machineId, 'snapshots') + q, { id: b.id })).json<ListResponse>();
      pages++;
      seen.push(...page.objects);
      if (!page.next) break;
      after = page.next;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    expect((await call(t, 'GET', objectPath(b.machineId, 'snapshots') + '?limit=10001', { id: b.id })).status).toBe(400);
    expect((await call(t, 'GET', objectPath(b.machineId, 'snapshots') + '?sort=desc', { id: b.id })).status).toBe(400);
  });

  it('machine A can neither read, list, head, store nor delete machine B’s objects (403), nor get B’s keys', async () => {
    const o = newObject(500);
    expect((await putObject(t, b, 'keys', o.bytes)).status).toBe(201);
    const bPath = objectPath(b.machineId, 'keys', o.name);
    for (const [method, path] of [['GET', bPath], ['HEAD', bPath], ['GET', objectPath(b.machineId, 'keys')], ['DELETE', bPath]] as const) {
      const r = await call(t, method, path, { id: a.id });
      expect(r.status, `${method} ${path}`).toBe(403);
      if (method !== 'HEAD') expect(r.code).toBe('FORBIDDEN');
    }
    const put = await call(t, 'PUT', objectPath(b.machineId, 'keys', newObject(10).name), { id: a.id, body: newObject(10).bytes });
    expect(put.status).toBe(403);
    // Same answer for a machine that does not exist: no oracle.
    expect((await call(t, 'GET', objectPath('f'.repeat(32), 'keys', o.name), { id: a.id })).status).toBe(403);
    // B's object is intact, and /v1/machine/keys only ever answers the caller's own keys.
    expect((await call(t, 'GET', bPath, { id: b.id })).body.equals(o.bytes)).toBe(true);
    expect((await call(t, 'GET', '/v1/machine/keys', { id: a.id })).json<MachineKeysResponse>().machineId).toBe(a.machineId);
  });

  it('refuses bad kinds and names with 400, an upload without Content-Length with 411, one over maxObjectBytes with 413 before reading it', async () => {
    expect((await call(t, 'PUT', objectPath(a.machineId, 'secrets', newObject(1).name), { id: a.id, body: Buffer.alloc(1) })).status).toBe(400);
    expect((await call(t, 'PUT', objectPath(a.machineId, 'data', '..%2F..%2Fetc'), { id: a.id, body: Buffer.alloc(1) })).status).toBe(400);
    expect((await call(t, 'GET', objectPath(a.machineId, 'data', 'ABC'), { id: a.id })).status).toBe(400);

    const o = newObject(1000);
    const chunked = open(t, 'PUT', objectPath(a.machineId, 'data', o.name), { id: a.id, headers: { 'Transfer-Encoding': 'chunked' } });
    chunked.req.end(o.bytes);
    const r411 = await chunked.reply;
    expect(r411.status).toBe(411);
    expect(r411.code).toBe('LENGTH_REQUIRED');

    const big = open(t, 'PUT', objectPath(a.machineId, 'data', o.name), { id: a.id, headers: { 'Content-Length': 5 * 1024 * 1024 } });
    big.req.flushHeaders();
    const r413 = await big.reply;
    big.req.destroy();
    expect(r413.status).toBe(413);
    expect(r413.json()).toMatchObject({ error: { code: 'TOO_LARGE', params: { limit: 4 * 1024 * 1024 } } });
    expect((await call(t, 'HEAD', objectPath(a.machineId, 'data', o.name), { id: a.id })).status).toBe(404);
  });

  it('a connection cut mid-upload leaves nothing visible; the same upload later succeeds', async () => {
    const o = newObject(2 * 1024 * 1024);
    const path = objectPath(a.machineId, 'data', o.name);
    const cut = open(t, 'PUT', path, { id: a.id, headers: { 'Content-Length': o.bytes.length } });
    cut.reply.catch(() => undefined);
    cut.req.on('error', () => undefined);
    await new Promise<void>((resolve) => cut.req.write(o.bytes.subarray(0, o.bytes.length / 2), () => resolve()));
    // Wait until the appliance holds part of it in its temp folder, then cut.
    await until(() => readdirSync(join(t.dir, 'objects', '.tmp')).length > 0, 'an upload in .tmp');
    cut.req.destroy();
    await until(() => readdirSync(join(t.dir, 'objects', '.tmp')).length === 0, 'an empty .tmp');
    expect((await call(t, 'HEAD', path, { id: a.id })).status).toBe(404);
    const listed = (await call(t, 'GET', objectPath(a.machineId, 'data'), { id: a.id })).json<ListResponse>();
    expect(listed.objects.map((x) => x.name)).not.toContain(o.name);
    expect(existsSync(join(t.dir, 'objects', a.machineId, 'data', o.name.slice(0, 2), o.name))).toBe(false);

    expect((await putObject(t, a, 'data', o.bytes)).status).toBe(201);
    expect((await call(t, 'GET', path, { id: a.id })).body.equals(o.bytes)).toBe(true);
  });

  it('a download cut mid-way is no error for the appliance, which keeps serving', async () => {
    const o = newObject(4 * 1024 * 1024 - 1);
    expect((await putObject(t, a, 'data', o.bytes)).status).toBe(201);
    const { req, reply } = open(t, 'GET', objectPath(a.machineId, 'data', o.name), { id: a.id });
    reply.catch(() => undefined); // it never completes: the cut is the point
    await new Promise<void>((resolve) => {
      req.on('response', (res) => {
        res.on('error', () => undefined); // "aborted": the cut this test makes
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await call(t, 'GET', objectPath(a.machineId, 'data', o.name), { id: a.id })).body.equals(o.bytes)).toBe(true);
    expect(t.errors).toEqual([]);
  });

  it('quota: an upload that would exceed it gets 507 QUOTA_EXCEEDED and one open alert; what is stored stays', async () => {
    const q = await enroll(t, { host: 'PC-Q', user: 'quinn' });
    t.app.machines.setQuota(q.machineId, 10_000, 'admin-cli');
    const first = newObject(6000);
    expect((await putObject(t, q, 'data', first.bytes)).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const r = await putObject(t, q, 'data', newObject(6000).bytes);
      expect(r.status).toBe(507);
      expect(r.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED', params: { used: 6000, quota: 10_000 } } });
    }
    const alerts = t.app.alerts.list({ machineId: q.machineId }).filter((x) => x.type === 'QUOTA_EXCEEDED');
    expect(alerts).toHaveLength(1); // one open alert, however many refusals
    expect(alerts[0]!.open).toBe(true);
    expect((await call(t, 'GET', objectPath(q.machineId, 'data', first.name), { id: q.id })).body.equals(first.bytes)).toBe(true);
    // An object that fits still goes in, and ends the alert.
    expect((await putObject(t, q, 'data', newObject(4000).bytes)).status).toBe(201);
    expect(t.app.alerts.list({ machineId: q.machineId, all: true }).find((x) => x.type === 'QUOTA_EXCEEDED')?.open).toBe(false);
  });
});
