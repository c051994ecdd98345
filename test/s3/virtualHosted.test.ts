// Virtual-hosted addressing (https://bucket.host/key, what AWS expects) against radosgw, whose
// `rgw dns name` is localhost: bucket.localhost must reach it. This machine has no wildcard DNS
// for *.localhost, so this file answers those names with 127.0.0.1 (Node's net asks dns.lookup).
import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, s3Fixture } from './helpers.js';
import { blob, storeOn } from './storeOptions.js';

type Lookup = typeof dns.lookup;
const realLookup: Lookup = dns.lookup;
const seen: string[] = [];

beforeAll(() => {
  const patched = ((hostname: string, options: unknown, callback?: unknown) => {
    if (hostname.endsWith('.localhost')) {
      seen.push(hostname);
      const cb = (typeof options === 'function' ? options : callback) as (e: Error | null, a: unknown, f?: number) => void;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
      return;
    }
    return (realLookup as (...a: unknown[]) => void)(hostname, options, callback);
  }) as unknown as Lookup;
  dns.lookup = patched;
});
afterAll(() => {
  dns.lookup = realLookup;
});

describe('S3 store: virtual-hosted addressing', () => {
  it('puts, reads and lists through bucket.localhost', async () => {
    const bucket = await createBucket({ lock: true });
    const endpoint = s3Fixture().endpoint.replace('127.0.0.1', 'localhost');
    const s = storeOn(bucket, { endpoint, addressing: 'virtual', lock: { mode: 'GOVERNANCE', days: 1 } });
    const o = blob(50_000);
    expect((await s.put('data', o.name, o.bytes)).uploaded).toBe(true);
    expect((await s.get('data', o.name)).equals(o.bytes)).toBe(true);
    expect((await s.list('data')).map((x) => x.name)).toEqual([o.name]);
    expect((await s.headLock('data', o.name))?.lock?.mode).toBe('GOVERNANCE');
    expect(seen).toContain(`${bucket}.localhost`);
  });
});
