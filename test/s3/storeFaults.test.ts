// Retries against a real radosgw behind a proxy that injects faults: what is retried, how long we
// wait, what is given up on, and that nothing is stored twice or damaged.
import { describe, expect, it } from 'vitest';
import { Throttle } from '../../src-main/engine/net/Throttle.js';
import type { RetryPolicy } from '../../src-main/engine/net/retry.js';
import { HttpFaultProxy } from '../helpers/faultProxy.js';
import { createBucket, s3Fixture } from './helpers.js';
import { blob, failure, storeOn, versionsOf } from './storeOptions.js';

async function withProxy<T>(fn: (proxy: HttpFaultProxy) => Promise<T>): Promise<T> {
  const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

const slowDown = { kind: 'respond', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } as const;
const internal = { kind: 'respond', status: 500, code: 'InternalError', message: 'We encountered an internal error.' } as const;

describe('S3 store: retries', () => {
  it('retries 503 SlowDown with growing, jittered backoff, then succeeds', async () => {
    const bucket = await createBucket();
    await withProxy(async (proxy) => {
      const sleeps: number[] = [];
      let draws = 0;
      const random = (): number => {
        draws++;
        return 0.75;
      };
      const retry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, random, sleep: async (ms) => void sleeps.push(ms) };
      const s = storeOn(bucket, { endpoint: proxy.url, retry });
      const o = blob(1000);
      proxy.fault({ method: 'PUT', path: new RegExp(o.name), times: 2, action: slowDown });
      expect((await s.put('index', o.name, o.bytes)).uploaded).toBe(true);
      // Full jitter: random(0, base·2^n); with the draw fixed at 0.75, 75 then 150.
      expect(sleeps).toEqual([75, 150]);
      expect(draws).toBe(2);
      expect((await s.get('index', o.name)).equals(o.bytes)).toBe(true);
      expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([503, 503, 200]);
    });
  });

  it('gives up on SlowDown after the attempts (S3_THROTTLED)', async () => {
    const bucket = await createBucket();
    await withProxy(async (proxy) => {
      const sleeps: number[] = [];
      const s = storeOn(bucket, { endpoint: proxy.url, retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20, sleep: async (ms) => void sleeps.push(ms) } });
      proxy.fault({ method: 'PUT', action: slowDown });
      const e = await failure(s.put('index', blob(10).name, Buffer.alloc(10)));
      expect(e.code).toBe('S3_THROTTLED');
      expect(e.params).toEqual({ endpoint: proxy.url, attempts: 4 });
      expect(sleeps.length).toBe(3);
    });
  });

  it('honours a longer Retry-After (capped by the policy)', async () => {
    const bucket = await createBucket();
    await withProxy(async (proxy) => {
      const sleeps: number[] = [];
      const s = storeOn(bucket, { endpoint: proxy.url, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1_500, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) } });
      proxy.fault({ method: 'GET', times: 1, action: { ...slowDown, headers: { 'retry-after': '1' } } });
      expect(await s.list('index')).toEqual([]);
      expect(sleeps).toEqual([1_000]);
    });
  });

  // radosgw writes about 50 objects a second into one bucket, whatever the parallelism.
  it('a 500 on one object out of 2,000 fails that put only (S3_SERVER_ERROR); the others are stored', { timeout: 300_000 }, async () => {
    const bucket = await createBucket();
    await withProxy(async (proxy) => {
      const s = storeOn(bucket, { endpoint: proxy.url, maxSockets: 16 });
      const objects = Array.from({ length: 2_000 }, () => blob(32));
      const bad = objects[1234]!;
      proxy.fault({ method: 'PUT', path: new RegExp(bad.name), action: internal });
      const results = await Promise.allSettled(objects.map((o) => s.put('index', o.name, o.bytes)));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
      expect(failed).toEqual([1234]);
      const e = (results[1234] as PromiseRejectedResult).reason as { code: string; params: unknown };
      expect(e.code).toBe('S3_SERVER_ERROR');
      expect(e.params).toEqual({ what: `index/${bad.name.slice(0, 12)}`, status: 500, reason: 'InternalError', attempts: 4 });
      proxy.clearFaults();
      expect((await s.list('index')).length).toBe(1_999);
    });
  });

  it('the same 500, twice only: retried, stored once', async () => {
    const bucket = await createBucket({ versioning: true });
    await withProxy(async (proxy) => {
      const s = storeOn(bucket, { endpoint: proxy.url });
      const o = blob(1000);
      proxy.fault({ method: 'PUT', path: new RegExp(o.name), times: 2, action: internal });
      expect((await s.put('index', o.name, o.bytes)).uploaded).toBe(true);
      expect(await versionsOf(s, 'index', o.name)).toEqual({ versions: 1, deleteMarkers: 0 });
    });
  });

  it('an upload cut after 64 KiB is sent again, whole, as one version', async () => {
    const bucket = await createBucket({ versioning: true });
    await withProxy(async (proxy) => {
      const s = storeOn(bucket, { endpoint: proxy.url });
      const o = blob(1024 * 1024);
      proxy.fault({ method: 'PUT', path: new RegExp(o.name), times: 1, action: { kind: 'cut-request', afterBytes: 64 * 1024 } });
      expect((await s.put('data', o.name, o.bytes)).uploaded).toBe(true);
      expect(proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes(o.name)).length).toBe(2);
      expect((await s.get('data', o.name)).equals(o.bytes)).toBe(true);
      expect(await versionsOf(s, 'data', o.name)).toEqual({ versions: 1, deleteMarkers: 0 });
    });
  });

  it('a download cut midway is read again, whole', async () => {
    const bucket = await createBucket();
    await withProxy(async (proxy) => {
      const s = storeOn(bucket, { endpoint: proxy.url });
      const o = blob(512 * 1024);
      await s.put('data', o.name, o.bytes);
      proxy.fault({ method: 'GET', path: new RegExp(o.name), times: 1, action: { kind: 'cut-response', afterBytes: 100 * 1024 } });
      expect((await s.get('data', o.name)).equals(o.bytes)).toBe(true);
      expect(proxy.requests.filter((r) => r.method === 'GET' && r.path.includes(o.name)).length).toBe(2);
    });
  });

  it('retries a connection that hangs, within the idle timeout', async () => {
    const bucket = await createBucket();
    await withProxy(async (proxy) => {
      const s = storeOn(bucket, { endpoint: proxy.url, timeouts: { idleMs: 500 } });
      const o = blob(100);
      await s.put('index', o.name, o.bytes);
      proxy.fault({ method: 'GET', path: new RegExp(o.name), times: 1, action: { kind: 'hang' } });
      expect((await s.get('index', o.name)).equals(o.bytes)).toBe(true);
    });
  });
});

describe('S3 store: bandwidth', () => {
  it('applies a new upload rate to a transfer already running', { timeout: 30_000 }, async () => {
    const bucket = await createBucket();
    let waiting!: () => void;
    const throttled = new Promise<void>((r) => (waiting = r));
    // The real clock, with a signal when the limit first makes the upload wait.
    const clock = {
      now: () => performance.now(),
      sleep: (ms: number) => {
        waiting();
        return new Promise<void>((r) => setTimeout(r, ms));
      },
    };
    const upload = new Throttle(1024, clock);
    const s = storeOn(bucket, { upload });
    const o = blob(256 * 1024); // 256 s at 1 KiB/s: this test times out unless the new rate applies
    const put = s.put('data', o.name, o.bytes);
    await throttled;
    upload.setRate(0);
    expect((await put).uploaded).toBe(true);
    expect((await s.get('data', o.name)).equals(o.bytes)).toBe(true);
  });

  it('limits downloads through the download throttle', async () => {
    const bucket = await createBucket();
    const s = storeOn(bucket, { download: new Throttle(10 * 1024 * 1024) });
    const o = blob(300_000);
    await s.put('data', o.name, o.bytes);
    expect((await s.get('data', o.name)).equals(o.bytes)).toBe(true);
    expect((await s.get('data', o.name, { offset: 5, length: 70_000 })).equals(o.bytes.subarray(5, 70_005))).toBe(true);
  });
});
