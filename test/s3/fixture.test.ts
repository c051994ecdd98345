// The S3 fixture is a real peer: radosgw checks signatures, enforces Object Lock, serves TLS with
// the test CA, and each admin helper has its effect at once. Error codes are radosgw's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { HttpFaultProxy } from '../helpers/faultProxy.js';
import { adminClient, createBucket, createUser, enableUser, removeKey, s3Client, s3Fixture, setUserQuota, suspendUser } from './helpers.js';

/** The S3 error code and HTTP status a failed command got (or the network error's code). */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    return { code: err.Code ?? err.code ?? err.name ?? String(e), status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

const put = (c: S3Client, bucket: string, key: string, body: Buffer): Promise<unknown> => c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

describe('the S3 fixture (radosgw)', () => {
  it('answers signed requests made through the fault proxy (Host forwarded unchanged)', async () => {
    const f = s3Fixture();
    const proxy = await HttpFaultProxy.start(f.endpoint);
    const client = s3Client({ endpoint: proxy.url });
    try {
      const bucket = await createBucket();
      const big = randomBytes(16 * 1024 * 1024 + 1);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: big }));
      // a stream body of known length (the store streams packs)
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'streamed', Body: Readable.from([big.subarray(0, 1000), big.subarray(1000, 3000)]), ContentLength: 3000 }));
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big)).toBe(true);
      const list = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(list.Contents?.map((o) => [o.Key, o.Size])).toEqual([['big', big.length], ['streamed', 3000]]);
      expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'streamed' }))).ContentLength).toBe(3000);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'streamed' }));

      const host = new URL(proxy.url).host;
      expect(proxy.requests.map((r) => [r.method, r.status])).toEqual([['PUT', 200], ['PUT', 200], ['GET', 200], ['GET', 200], ['HEAD', 200], ['DELETE', 204]]);
      for (const r of proxy.requests) {
        expect(r.headers.host).toBe(host);
        expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
      }
      expect(proxy.requests[0]!.bodyBytes).toBe(big.length);
      expect(proxy.requests[3]!.path).toMatch(/^\/havre-test-[^/?]+\/?\?list-type=2/);

      // a fault in front of the real server: the SDK sees radosgw-like errors and resets
      proxy.fault({ method: 'PUT', times: 1, action: { kind: 'respond', status: 503, code: 'SlowDown' } });
      expect(await failure(put(client, bucket, 'x', Buffer.from('x')))).toEqual({ code: 'SlowDown', status: 503 });
      proxy.fault({ method: 'PUT', times: 1, action: { kind: 'cut-request', afterBytes: 100_000 } });
      expect((await failure(put(client, bucket, 'y', randomBytes(1_000_000)))).code).toMatch(/^(ECONNRESET|EPIPE)$/);
      await put(client, bucket, 'z', Buffer.from('z'));
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('checks signatures: a wrong secret gets 403 SignatureDoesNotMatch, an unknown key 403 InvalidAccessKeyId', async () => {
    const f = s3Fixture();
    const wrong = s3Client({ credentials: { accessKeyId: f.accessKeyId, secretAccessKey: `${f.secretAccessKey.slice(0, -1)}x` } });
    const unknown = s3Client({ credentials: { accessKeyId: 'NOSUCHKEY00000000000', secretAccessKey: f.secretAccessKey } });
    try {
      expect(await failure(wrong.send(new ListBucketsCommand({})))).toEqual({ code: 'SignatureDoesNotMatch', status: 403 });
      expect(await failure(unknown.send(new ListBucketsCommand({})))).toEqual({ code: 'InvalidAccessKeyId', status: 403 });
    } finally {
      wrong.destroy();
      unknown.destroy();
    }
  });

  it('enforces Object Lock: a COMPLIANCE-locked version cannot be deleted, not even with the governance bypass', async () => {
    const bucket = await createBucket({ lock: true });
    const admin = adminClient();
    const v = await admin.send(new PutObjectCommand({
      Bucket: bucket, Key: 'locked', Body: Buffer.from('keep me'),
      ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000),
    }));
    expect(v.VersionId).toBeTruthy();
    expect(await failure(admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'locked', VersionId: v.VersionId }))))
      .toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'locked', VersionId: v.VersionId, BypassGovernanceRetention: true }))))
      .toEqual({ code: 'AccessDenied', status: 403 });
    const still = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: 'locked', VersionId: v.VersionId }));
    expect(await still.Body!.transformToString()).toBe('keep me');
  });

  it('serves HTTPS with a certificate from the fixture CA, refused without that CA', async () => {
    const f = s3Fixture();
    const trusting = s3Client({ endpoint: f.httpsEndpoint });
    const plain = s3Client({ endpoint: f.httpsEndpoint, config: { requestHandler: {} } });
    try {
      const bucket = await createBucket();
      await trusting.send(new HeadBucketCommand({ Bucket: bucket }));
      expect(await failure(plain.send(new HeadBucketCommand({ Bucket: bucket })))).toEqual({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', status: undefined });
    } finally {
      trusting.destroy();
      plain.destroy();
    }
  });

  describe('admin helpers', () => {
    let user: Awaited<ReturnType<typeof createUser>>;
    let client: S3Client;
    let bucket: string;
    beforeAll(async () => {
      user = await createUser();
      client = s3Client({ credentials: user });
      bucket = await createBucket({ credentials: user });
    });
    afterAll(() => client.destroy());

    it('createUser: a working key, its own buckets; createBucket names are valid and unique', async () => {
      await put(client, bucket, 'a', Buffer.from('a'));
      const owned = await client.send(new ListBucketsCommand({}));
      expect(owned.Buckets?.map((b) => b.Name)).toEqual([bucket]);
      const names = [bucket, await createBucket({ versioning: true }), await createBucket({ lock: true })];
      for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      expect(new Set(names).size).toBe(3);
      // the admin user does not see the new user's bucket
      expect(await failure(adminClient().send(new ListObjectsV2Command({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
    });

    it('setUserQuota: counts what is already stored; the PUT that crosses it gets 403 QuotaExceeded; deleting frees room', async () => {
      const quotaUser = await createUser();
      const c = s3Client({ credentials: quotaUser });
      try {
        const b = await createBucket({ credentials: quotaUser });
        const body = randomBytes(40_000); // radosgw counts 40 KiB (4 KiB rounding)
        await put(c, b, 'before-1', body);
        await put(c, b, 'before-2', body);
        await setUserQuota(quotaUser.uid, 150_000);
        await put(c, b, 'third', body); // 120 KiB
        expect(await failure(put(c, b, 'fourth', body))).toEqual({ code: 'QuotaExceeded', status: 403 });
        await c.send(new DeleteObjectCommand({ Bucket: b, Key: 'before-1' }));
        await put(c, b, 'fourth', body);
        expect(await failure(put(c, b, 'fifth', body))).toEqual({ code: 'QuotaExceeded', status: 403 });
        await setUserQuota(quotaUser.uid, 1_000_000);
        await put(c, b, 'fifth', body);
      } finally {
        c.destroy();
      }
    });

    it('removeKey: requests with the removed key get 403 InvalidAccessKeyId', async () => {
      const u = await createUser();
      const c = s3Client({ credentials: u });
      try {
        await c.send(new ListBucketsCommand({}));
        await removeKey(u.uid, u.accessKeyId);
        expect(await failure(c.send(new ListBucketsCommand({})))).toEqual({ code: 'InvalidAccessKeyId', status: 403 });
      } finally {
        c.destroy();
      }
    });

    it('suspendUser: every request gets 403 UserSuspended; enableUser lifts it', async () => {
      const u = await createUser();
      const c = s3Client({ credentials: u });
      try {
        const b = await createBucket({ credentials: u });
        await suspendUser(u.uid);
        expect(await failure(put(c, b, 'k', Buffer.from('k')))).toEqual({ code: 'UserSuspended', status: 403 });
        expect(await failure(c.send(new ListBucketsCommand({})))).toEqual({ code: 'UserSuspended', status: 403 });
        await enableUser(u.uid);
        await put(c, b, 'k', Buffer.from('k'));
      } finally {
        c.destroy();
      }
    });
  });
});
