// How the S3 store fails against a real radosgw: every refusal ends as the HavreError a user can
// act on, with no secret in it.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HttpFaultProxy } from '../helpers/faultProxy.js';
import { createBucket, createUser, removeKey, s3Fixture, setUserQuota, suspendUser } from './helpers.js';
import { adminHead, blob, failure, storeOn } from './storeOptions.js';

function noSecrets(e: Error & { params: Record<string, string | number> }, secret: string): void {
  expect(e.message).not.toContain(secret);
  expect(JSON.stringify(e.params)).not.toContain(secret);
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('S3 store: credentials', () => {
  it('rejects a wrong secret (SignatureDoesNotMatch), on read, write and list', async () => {
    const bucket = await createBucket();
    const f = s3Fixture();
    const secret = 'wrong-secret-0123456789abcdefghij';
    const s = storeOn(bucket, { credentials: { accessKeyId: f.accessKeyId, secretAccessKey: secret }, targetName: 'offsite' });
    const o = blob(10);
    for (const call of [() => s.put('index', o.name, o.bytes), () => s.head('index', o.name), () => s.get('index', o.name), () => s.list('index')]) {
      const e = await failure(call());
      expect(e.code).toBe('S3_CREDENTIALS_REJECTED');
      expect(e.params).toEqual({ bucket, reason: 'SignatureDoesNotMatch', target: 'offsite' });
      noSecrets(e, secret);
    }
  });

  it('rejects an unknown key (InvalidAccessKeyId); the target defaults to "cloud"', async () => {
    const s = storeOn(await createBucket(), { credentials: { accessKeyId: 'HAVRENOSUCHKEY000001', secretAccessKey: 'x'.repeat(40) } });
    const e = await failure(s.put('index', blob(1).name, Buffer.alloc(1)));
    expect(e.code).toBe('S3_CREDENTIALS_REJECTED');
    expect(e.params).toMatchObject({ reason: 'InvalidAccessKeyId', target: 'cloud' });
  });

  it('rejects a revoked key and a suspended user', async () => {
    const revoked = await createUser();
    const bucket = await createBucket({ credentials: revoked });
    const s = storeOn(bucket, { credentials: revoked });
    const o = blob(10);
    await s.put('index', o.name, o.bytes);
    await removeKey(revoked.uid, revoked.accessKeyId);
    const e = await failure(s.get('index', o.name));
    expect(e.code).toBe('S3_CREDENTIALS_REJECTED');
    expect(e.params.reason).toBe('InvalidAccessKeyId');
    noSecrets(e, revoked.secretAccessKey);

    const suspended = await createUser();
    const b2 = await createBucket({ credentials: suspended });
    const s2 = storeOn(b2, { credentials: suspended });
    await s2.put('index', o.name, o.bytes);
    await suspendUser(suspended.uid);
    for (const call of [() => s2.get('index', o.name), () => s2.head('index', o.name), () => s2.put('index', blob(5).name, Buffer.alloc(5))]) {
      const e2 = await failure(call());
      expect(e2.code).toBe('S3_CREDENTIALS_REJECTED');
      expect(e2.params.reason).toBe('UserSuspended');
    }
  });

  it('rejects an expired session token (400 ExpiredToken), even when a HEAD answers without a body', async () => {
    const bucket = await createBucket();
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      proxy.fault({ action: { kind: 'respond', status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' } });
      const s = storeOn(bucket, { endpoint: proxy.url });
      const o = blob(10);
      for (const call of [() => s.put('index', o.name, o.bytes), () => s.get('index', o.name), () => s.list('index')]) {
        const e = await failure(call());
        expect(e.code).toBe('S3_CREDENTIALS_REJECTED');
        expect(e.params.reason).toBe('ExpiredToken');
      }
      // Final at once: no retry of a refused key.
      expect(proxy.requests.filter((r) => r.method === 'GET' && r.path.includes('list-type')).length).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('S3 store: bucket and clock', () => {
  it('says S3_BUCKET_MISSING for a missing bucket, not "no such object"', async () => {
    const s = storeOn(`havre-missing-${Date.now()}`);
    const o = blob(10);
    for (const call of [() => s.head('index', o.name), () => s.get('index', o.name), () => s.list('index'), () => s.put('index', o.name, o.bytes), () => s.requestDelete('index', o.name)]) {
      const e = await failure(call());
      expect(e.code).toBe('S3_BUCKET_MISSING');
      expect(e.params).toEqual({ bucket: s.bucket, endpoint: s3Fixture().endpoint });
    }
  });

  it('recovers from a clock an hour off: refused once, then signed by the server clock, locks dated by it', async () => {
    const bucket = await createBucket({ lock: true });
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      const s = storeOn(bucket, { endpoint: proxy.url, clockOffsetMs: 3_600_000, lock: { mode: 'GOVERNANCE', days: 1 } });
      const o = blob(100);
      const { retainUntil } = await s.put('index', o.name, o.bytes);
      expect(proxy.requests[0]!.status).toBe(403); // RequestTimeTooSkewed (a HEAD: no body)
      expect(proxy.requests.slice(1).every((r) => r.status !== null && r.status < 400 || r.status === 404)).toBe(true);
      // The server is this machine: its clock is Date.now().
      expect(Math.abs(s.now() - Date.now())).toBeLessThan(60_000);
      const stored = (await adminHead(s, 'index', o.name)).ObjectLockRetainUntilDate!.getTime();
      expect(stored).toBe(retainUntil);
      expect(Math.abs(stored - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    } finally {
      await proxy.close();
    }
  });

  it('gives up on a clock the server keeps refusing (S3_CLOCK_SKEW), saying by how much it is off', async () => {
    const bucket = await createBucket();
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      // The server's Date says an hour later than ours: the SDK takes that as the offset.
      const date = new Date(Date.now() + 3_600_000).toUTCString();
      proxy.fault({ action: { kind: 'respond', status: 403, code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the server time is too large.', headers: { date } } });
      const s = storeOn(bucket, { endpoint: proxy.url });
      const o = blob(10);
      for (const call of [() => s.put('index', o.name, o.bytes), () => s.get('index', o.name), () => s.list('index')]) {
        const e = await failure(call());
        expect(e.code).toBe('S3_CLOCK_SKEW');
        expect(e.params).toEqual({ minutes: 60 });
      }
      expect(proxy.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('S3 store: quota, network, TLS', () => {
  it('says S3_QUOTA_EXCEEDED when the quota is full; what was stored stays intact', async () => {
    const user = await createUser();
    const bucket = await createBucket({ credentials: user });
    await setUserQuota(user.uid, 64 * 1024);
    const s = storeOn(bucket, { credentials: user });
    const stored: { bytes: Buffer; name: string }[] = [];
    let e: Error | null = null;
    for (let i = 0; i < 40 && e === null; i++) {
      const o = blob(16 * 1024);
      try {
        await s.put('data', o.name, o.bytes);
        stored.push(o);
      } catch (err) {
        e = err as Error;
      }
    }
    expect(e).not.toBeNull();
    expect((e as unknown as { code: string }).code).toBe('S3_QUOTA_EXCEEDED');
    expect((e as unknown as { params: unknown }).params).toEqual({ bucket });
    expect(stored.length).toBeGreaterThan(0);
    for (const o of stored) expect((await s.get('data', o.name)).equals(o.bytes)).toBe(true);
  });

  it('says S3_UNREACHABLE, quickly, for a closed port', async () => {
    const port = await closedPort();
    const s = storeOn('any-bucket', { endpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const t0 = Date.now();
    const e = await failure(s.head('index', blob(1).name));
    expect(e.code).toBe('S3_UNREACHABLE');
    expect(e.params).toEqual({ endpoint: `http://127.0.0.1:${port}`, reason: 'connection refused' });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('speaks HTTPS with the given CA, and refuses an untrusted certificate (S3_UNREACHABLE, TLS reason)', async () => {
    const f = s3Fixture();
    const bucket = await createBucket();
    const o = blob(1000);
    const good = storeOn(bucket, { endpoint: f.httpsEndpoint, caPem: f.caPem });
    await good.put('index', o.name, o.bytes);
    expect((await good.get('index', o.name)).equals(o.bytes)).toBe(true);
    const untrusted = storeOn(bucket, { endpoint: f.httpsEndpoint });
    const e = await failure(untrusted.get('index', o.name));
    expect(e.code).toBe('S3_UNREACHABLE');
    expect(e.params.reason).toBe('TLS certificate not trusted');
  });
});
