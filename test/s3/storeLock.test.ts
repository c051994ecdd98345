// Object Lock on every object (DESIGN.md §4), checked with the fixture's own key, and on the wire.
import { describe, expect, it } from 'vitest';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { Throttle } from '../../src-main/engine/net/Throttle.js';
import { HttpFaultProxy, type RecordedRequest } from '../helpers/faultProxy.js';
import { adminClient, createBucket, s3Fixture } from './helpers.js';
import { adminHead, blob, failure, storeOn, versionsOf } from './storeOptions.js';

const DAY = 86_400_000;

describe('S3 store: Object Lock', () => {
  for (const mode of ['GOVERNANCE', 'COMPLIANCE'] as const) {
    it(`locks every object ${mode}, until now + the policy's days`, async () => {
      const bucket = await createBucket({ lock: true });
      // COMPLIANCE cannot be lifted by anyone: keep it to seconds in a test.
      const days = mode === 'COMPLIANCE' ? 30 / 86_400 : 7;
      const s = storeOn(bucket, { lock: { mode, days } });
      const before = Date.now();
      const objects = [blob(1000), blob(0), blob(70_000)];
      const receipts = [];
      for (const [i, o] of objects.entries()) receipts.push(await s.put(i === 2 ? 'data' : 'index', o.name, o.bytes));
      for (const [i, o] of objects.entries()) {
        const h = await adminHead(s, i === 2 ? 'data' : 'index', o.name);
        expect(h.ObjectLockMode).toBe(mode);
        const until = h.ObjectLockRetainUntilDate!.getTime();
        expect(until).toBeGreaterThanOrEqual(before + days * DAY - 2_000);
        expect(until).toBeLessThanOrEqual(Date.now() + days * DAY + 2_000);
        expect(receipts[i]!.retainUntil).toBe(until);
        expect(await s.headLock(i === 2 ? 'data' : 'index', o.name)).toEqual({ name: o.name, size: o.bytes.length, lock: { mode, retainUntil: until } });
      }
      // Already there: not sent again, and the receipt gives the lock it has.
      expect(await s.put('index', objects[0]!.name, objects[0]!.bytes)).toEqual({ uploaded: false, retainUntil: receipts[0]!.retainUntil });
    });
  }

  it('sends a locked PUT with its SHA-256, the lock headers and a plain body (buffer and throttled stream)', async () => {
    const bucket = await createBucket({ lock: true });
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      for (const upload of [undefined, new Throttle(100 * 1024 * 1024)]) {
        const s = storeOn(bucket, { endpoint: proxy.url, lock: { mode: 'GOVERNANCE', days: 1 }, ...(upload ? { upload } : {}) });
        const o = blob(200_000);
        const receipt = await s.put('data', o.name, o.bytes);
        const puts = proxy.requests.filter((r: RecordedRequest) => r.method === 'PUT' && r.path.includes(o.name));
        expect(puts.length).toBe(1);
        const h = puts[0]!.headers;
        expect(h['x-amz-checksum-sha256']).toBe(Buffer.from(o.name, 'hex').toString('base64'));
        expect(h['x-amz-sdk-checksum-algorithm']).toBe('SHA256');
        expect(h['x-amz-object-lock-mode']).toBe('GOVERNANCE');
        expect(Date.parse(h['x-amz-object-lock-retain-until-date']!)).toBe(receipt.retainUntil);
        expect(h['content-length']).toBe('200000');
        expect(puts[0]!.bodyBytes).toBe(200_000);
        expect(h['content-encoding'] ?? '').not.toMatch(/aws-chunked/);
        expect(h['x-amz-trailer']).toBeUndefined();
        expect(h['x-amz-decoded-content-length']).toBeUndefined();
        expect(h['transfer-encoding']).toBeUndefined();
        // SigV4 signs the checksum and lock headers: a proxy cannot drop or change them.
        expect(h.authorization).toMatch(/SignedHeaders=[^,]*x-amz-checksum-sha256;[^,]*x-amz-object-lock-mode;x-amz-object-lock-retain-until-date;/);
        // A buffer is signed with its hash; a stream is sent UNSIGNED-PAYLOAD and relies on the checksum.
        expect(h['x-amz-content-sha256']).toBe(upload ? 'UNSIGNED-PAYLOAD' : o.name);
      }
    } finally {
      await proxy.close();
    }
  });

  it('refuses to write unlocked into a bucket without Object Lock (S3_NO_OBJECT_LOCK), and stores nothing', async () => {
    const bucket = await createBucket({ versioning: true });
    const s = storeOn(bucket, { lock: { mode: 'GOVERNANCE', days: 1 } });
    const o = blob(100);
    const e = await failure(s.put('config', o.name, o.bytes));
    expect(e.code).toBe('S3_NO_OBJECT_LOCK');
    expect(e.params).toEqual({ bucket });
    const v = await adminClient().send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(v.Versions ?? []).toEqual([]);
  });

  it('does not even ask to delete a locked object (S3_OBJECT_LOCKED); it stays readable', async () => {
    const bucket = await createBucket({ lock: true });
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      const s = storeOn(bucket, { endpoint: proxy.url, lock: { mode: 'GOVERNANCE', days: 1 } });
      const o = blob(100);
      const { retainUntil } = await s.put('snapshots', o.name, o.bytes);
      const e = await failure(s.requestDelete('snapshots', o.name));
      expect(e.code).toBe('S3_OBJECT_LOCKED');
      expect(e.params).toEqual({ what: `snapshots/${o.name.slice(0, 12)}`, until: new Date(retainUntil!).toISOString() });
      expect(proxy.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
      expect((await s.get('snapshots', o.name)).equals(o.bytes)).toBe(true);
      expect(await s.list('snapshots')).toEqual([{ name: o.name, size: 100 }]);
    } finally {
      await proxy.close();
    }
  });

  it('deletes once the lock has ended: a delete marker, the locked version kept for the lifecycle rule', async () => {
    const s = storeOn(await createBucket({ lock: true }), { lock: { mode: 'GOVERNANCE', days: 3 / 86_400 } });
    const o = blob(100);
    const { retainUntil } = await s.put('index', o.name, o.bytes);
    expect((await failure(s.requestDelete('index', o.name))).code).toBe('S3_OBJECT_LOCKED');
    await new Promise((r) => setTimeout(r, Math.max(0, retainUntil! - s.now()) + 1_200));
    await s.requestDelete('index', o.name);
    expect(await s.head('index', o.name)).toBeNull();
    expect(await s.list('index')).toEqual([]);
    expect(await versionsOf(s, 'index', o.name)).toEqual({ versions: 1, deleteMarkers: 1 });
  });

  it('extends a lock later, never earlier', async () => {
    const s = storeOn(await createBucket({ lock: true }), { lock: { mode: 'GOVERNANCE', days: 1 } });
    const o = blob(100);
    const { retainUntil } = await s.put('index', o.name, o.bytes);
    const later = Math.floor((retainUntil! + 2 * DAY) / 1000) * 1000;
    await s.extendLock('index', o.name, later);
    expect((await adminHead(s, 'index', o.name)).ObjectLockRetainUntilDate!.getTime()).toBe(later);
    await s.extendLock('index', o.name, later - 5 * DAY);
    await s.extendLock('index', o.name, later);
    expect((await s.headLock('index', o.name))!.lock).toEqual({ mode: 'GOVERNANCE', retainUntil: later });
    expect((await failure(s.extendLock('index', blob(1).name, later))).code).toBe('OBJECT_MISSING');
  });

  it('leaves locks alone without a lock policy', async () => {
    const s = storeOn(await createBucket({ lock: true }), { lock: null });
    const o = blob(100);
    expect(await s.put('index', o.name, o.bytes)).toEqual({ uploaded: true, retainUntil: null });
    await s.extendLock('index', o.name, Date.now() + DAY); // no-op
    expect((await adminHead(s, 'index', o.name)).ObjectLockMode).toBeUndefined();
  });
});
