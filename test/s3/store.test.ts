// The S3 store against a real radosgw: round trips, layout, idempotent writes, pagination.
import { describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Throttle } from '../../src-main/engine/net/Throttle.js';
import { objectKey } from '../../src-main/engine/store/s3/index.js';
import { HttpFaultProxy } from '../helpers/faultProxy.js';
import { adminClient, createBucket, s3Fixture } from './helpers.js';
import { blob, failure, storeOn, versionsOf } from './storeOptions.js';

describe('S3 store: objects', () => {
  it('puts, gets (whole and ranges), heads and lists, with packs fanned out', async () => {
    const bucket = await createBucket();
    const s = storeOn(bucket);
    const pack = blob(100_000);
    const snap = blob(300);
    expect(await s.put('data', pack.name, pack.bytes)).toEqual({ uploaded: true, retainUntil: null });
    expect(await s.put('snapshots', snap.name, snap.bytes)).toEqual({ uploaded: true, retainUntil: null });

    expect((await s.get('data', pack.name)).equals(pack.bytes)).toBe(true);
    expect((await s.get('data', pack.name, { offset: 1000, length: 5000 })).equals(pack.bytes.subarray(1000, 6000))).toBe(true);
    expect((await s.get('data', pack.name, { offset: 99_999, length: 1 })).equals(pack.bytes.subarray(99_999))).toBe(true);
    expect((await s.get('data', pack.name, { offset: 10, length: 0 })).length).toBe(0);
    expect(await s.head('data', pack.name)).toEqual({ name: pack.name, size: 100_000 });
    expect(await s.head('snapshots', pack.name)).toBeNull();
    expect(await s.list('data')).toEqual([{ name: pack.name, size: 100_000 }]);
    expect(await s.list('snapshots')).toEqual([{ name: snap.name, size: 300 }]);
    expect(await s.list('index')).toEqual([]);

    const keys = await adminClient().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((keys.Contents ?? []).map((o) => o.Key).sort()).toEqual([`havre/pc-1/data/${pack.name.slice(0, 2)}/${pack.name}`, `havre/pc-1/snapshots/${snap.name}`]);
  });

  it('says OBJECT_MISSING for an absent object, and reads the root of a bucket with no prefix', async () => {
    const s = storeOn(await createBucket(), { prefix: '' });
    const o = blob(10);
    const e = await failure(s.get('index', o.name));
    expect(e.code).toBe('OBJECT_MISSING');
    expect(e.params).toEqual({ kind: 'index', name: o.name });
    await s.put('index', o.name, o.bytes);
    expect((await s.get('index', o.name)).equals(o.bytes)).toBe(true);
    expect(await s.list('index')).toEqual([{ name: o.name, size: 10 }]);
  });

  it('stores packs past 2 MiB (the SDK then sends Expect: 100-continue), from a buffer and through a throttle', async () => {
    const s = storeOn(await createBucket());
    const big = blob(5 * 1024 * 1024);
    await s.put('data', big.name, big.bytes);
    expect((await s.get('data', big.name)).equals(big.bytes)).toBe(true);
    const throttled = storeOn(s.bucket, { upload: new Throttle(1024 * 1024 * 1024), download: new Throttle(1024 * 1024 * 1024) });
    const other = blob(3 * 1024 * 1024);
    await throttled.put('data', other.name, other.bytes);
    expect((await throttled.get('data', other.name)).equals(other.bytes)).toBe(true);
  });

  it('stores an empty object', async () => {
    const s = storeOn(await createBucket());
    const o = blob(0);
    await s.put('keys', o.name, o.bytes);
    expect((await s.get('keys', o.name)).length).toBe(0);
    expect(await s.head('keys', o.name)).toEqual({ name: o.name, size: 0 });
  });

  it('lists past 1,000 keys (continuation tokens) and ignores strangers', { timeout: 240_000 }, async () => {
    const bucket = await createBucket();
    const s = storeOn(bucket, { maxSockets: 16 });
    const objects = Array.from({ length: 1_100 }, () => blob(8));
    await Promise.all(objects.map((o) => s.put('index', o.name, o.bytes)));
    // Things that are not ours, in and around our folders.
    const admin = adminClient();
    for (const key of ['havre/pc-1/index/README', `havre/pc-1/index/${objects[0]!.name}.tmp`, `havre/pc-1/index/sub/${objects[1]!.name}`, `other/index/${objects[2]!.name}`]) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    }
    const listed = await s.list('index');
    expect(listed.length).toBe(1_100);
    expect(new Set(listed.map((o) => o.name))).toEqual(new Set(objects.map((o) => o.name)));
    expect(listed.every((o) => o.size === 8)).toBe(true);
  });

  it('lists fanned-out packs across their folders', async () => {
    const s = storeOn(await createBucket(), { maxSockets: 8 });
    const packs = Array.from({ length: 40 }, () => blob(64));
    await Promise.all(packs.map((o) => s.put('data', o.name, o.bytes)));
    expect(new Set((await s.list('data')).map((o) => o.name))).toEqual(new Set(packs.map((o) => o.name)));
  });
});

describe('S3 store: writing once', () => {
  it('does not send an object again, and leaves exactly one version', async () => {
    const bucket = await createBucket({ versioning: true });
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      const s = storeOn(bucket, { endpoint: proxy.url });
      const o = blob(5_000);
      expect((await s.put('index', o.name, o.bytes)).uploaded).toBe(true);
      expect((await s.put('index', o.name, o.bytes)).uploaded).toBe(false);
      // A second store (another run) knows nothing of the first: the server tells it.
      expect((await storeOn(bucket, { endpoint: proxy.url }).put('index', o.name, o.bytes)).uploaded).toBe(false);
      const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes(o.name));
      expect(puts.length).toBe(1);
      expect(await versionsOf(s, 'index', o.name)).toEqual({ versions: 1, deleteMarkers: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('refuses other bytes already stored under the name (INTEGRITY), and leaves them', async () => {
    const bucket = await createBucket();
    const s = storeOn(bucket);
    const o = blob(100);
    const other = blob(99);
    // Written around the store: the name does not match the bytes.
    await adminClient().send(new PutObjectCommand({ Bucket: bucket, Key: objectKey(s.prefix, 'index', o.name), Body: other.bytes }));
    const e = await failure(s.put('index', o.name, o.bytes));
    expect(e.code).toBe('INTEGRITY');
    expect((await s.get('index', o.name)).equals(other.bytes)).toBe(true);
  });

  it('deletes an unlocked object: gone from head, get and list', async () => {
    const s = storeOn(await createBucket());
    const o = blob(10);
    await s.put('snapshots', o.name, o.bytes);
    await s.requestDelete('snapshots', o.name);
    expect(await s.head('snapshots', o.name)).toBeNull();
    expect(await s.list('snapshots')).toEqual([]);
    expect((await failure(s.get('snapshots', o.name))).code).toBe('OBJECT_MISSING');
    await s.requestDelete('snapshots', o.name); // absent: nothing to do
  });
});
