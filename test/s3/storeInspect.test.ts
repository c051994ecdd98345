// `havre target check`: the report S3Store.inspect() gives for the set-ups IT hands out.
import { describe, expect, it } from 'vitest';
import { PutBucketPolicyCommand, PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { adminClient, createBucket, createUser, s3Fixture } from './helpers.js';
import { storeOn } from './storeOptions.js';

describe('S3 store: inspect', () => {
  it('passes everything on a locked bucket, and reads its default retention', async () => {
    const bucket = await createBucket({ lock: true });
    await adminClient().send(
      new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } } }),
    );
    const r = await storeOn(bucket, { lock: { mode: 'COMPLIANCE', days: 1 / 86_400 } }).inspect();
    expect(r.ok).toBe(true);
    for (const check of [r.reachable, r.credentials, r.bucket, r.versioning, r.objectLock, r.list, r.write, r.read, r.delete, r.clock]) expect(check.ok).toBe(true);
    expect(r.versioning.status).toBe('Enabled');
    expect(r.objectLock).toMatchObject({ enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 30 } });
    expect(r.write.detail).toMatch(/COMPLIANCE/);
    expect(Math.abs(r.clock.offsetMs)).toBeLessThan(5_000);
    expect(r.location).toBe(`s3://${bucket}/havre/pc-1/ at ${s3Fixture().endpoint}`);
  });

  it('on a plain bucket: fine without a lock policy, not fine with one', async () => {
    const bucket = await createBucket();
    const plain = await storeOn(bucket).inspect();
    expect(plain.ok).toBe(true);
    expect(plain.versioning).toMatchObject({ ok: true, status: 'off' });
    expect(plain.objectLock).toMatchObject({ ok: true, enabled: false });
    expect(plain.objectLock.code).toBeUndefined();

    const locked = await storeOn(bucket, { lock: { mode: 'GOVERNANCE', days: 1 } }).inspect();
    expect(locked.ok).toBe(false);
    expect(locked.objectLock).toMatchObject({ ok: false, enabled: false, code: 'S3_NO_OBJECT_LOCK' });
    expect(locked.versioning).toMatchObject({ ok: false, status: 'off' });
    expect(locked.write).toMatchObject({ ok: false, code: 'S3_NO_OBJECT_LOCK' });
    expect(locked.read.skipped).toBe(true);
  });

  it('stops at a missing bucket', async () => {
    const r = await storeOn(`havre-missing-${Date.now()}`).inspect();
    expect(r.ok).toBe(false);
    expect(r.reachable.ok).toBe(true);
    expect(r.credentials.ok).toBe(true);
    expect(r.bucket).toMatchObject({ ok: false, code: 'S3_BUCKET_MISSING' });
    for (const check of [r.versioning, r.objectLock, r.list, r.write, r.read, r.delete]) expect(check.skipped).toBe(true);
  });

  it('stops at a rejected key, and at an unreachable endpoint', async () => {
    const bucket = await createBucket();
    const bad = await storeOn(bucket, { credentials: { accessKeyId: s3Fixture().accessKeyId, secretAccessKey: 'not-the-secret' } }).inspect();
    expect(bad.reachable.ok).toBe(true);
    expect(bad.credentials).toMatchObject({ ok: false, code: 'S3_CREDENTIALS_REJECTED' });
    expect(bad.bucket.skipped).toBe(true);
    expect(JSON.stringify(bad)).not.toContain('not-the-secret');

    const away = await storeOn(bucket, { endpoint: 'http://127.0.0.1:9', retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).inspect();
    expect(away.reachable).toMatchObject({ ok: false, code: 'S3_UNREACHABLE' });
    expect(away.credentials.skipped).toBe(true);
  });

  it('accepts a push-only key (no delete), and says so', async () => {
    const user = await createUser();
    const bucket = await createBucket({ lock: true });
    const principal = { AWS: [`arn:aws:iam:::user/${user.uid}`] };
    const resources = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: principal,
          Action: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:GetObjectRetention', 's3:PutObjectRetention', 's3:GetBucketVersioning', 's3:GetBucketObjectLockConfiguration'],
          Resource: resources,
        },
        { Effect: 'Deny', Principal: principal, Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Resource: resources },
      ],
    };
    await adminClient().send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    const r = await storeOn(bucket, { credentials: user, lock: { mode: 'GOVERNANCE', days: 1 } }).inspect();
    expect(r.delete).toEqual({ ok: false, detail: 'not permitted (push-only key)', code: 'S3_FORBIDDEN' });
    expect(r.write.ok && r.read.ok && r.list.ok && r.objectLock.ok).toBe(true);
    expect(r.ok).toBe(true);
  });
});
