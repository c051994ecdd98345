// Shared by the S3 store tests: stores on fixture buckets, closed after each test, and objects
// named as the repository names them (SHA-256 of the bytes).
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import { HeadObjectCommand, ListObjectVersionsCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { HavreError } from '../../src-main/engine/errors/index.js';
import type { RetryPolicy } from '../../src-main/engine/net/retry.js';
import { objectName } from '../../src-main/engine/store/objectName.js';
import type { ObjectKind } from '../../src-main/engine/store/Store.js';
import { objectKey, S3Store, type S3StoreOptions } from '../../src-main/engine/store/s3/index.js';
import { adminClient, s3Fixture } from './helpers.js';

/** Fast retries: the behaviour under test, not the waiting. */
export const FAST: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50 };

const open: S3Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

export function storeOn(bucket: string, over: Partial<S3StoreOptions> = {}): S3Store {
  const f = s3Fixture();
  const s = new S3Store({
    endpoint: f.endpoint,
    region: f.region,
    bucket,
    prefix: 'havre/pc-1/',
    addressing: 'path',
    credentials: { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey },
    lock: null,
    retry: FAST,
    ...over,
  });
  open.push(s);
  return s;
}

export function blob(size: number): { bytes: Buffer; name: string } {
  const bytes = randomBytes(size);
  return { bytes, name: objectName(bytes) };
}

/** The object as the fixture's own key sees it, bypassing the store. */
export function adminHead(store: S3Store, kind: ObjectKind, name: string): Promise<HeadObjectCommandOutput> {
  return adminClient().send(new HeadObjectCommand({ Bucket: store.bucket, Key: objectKey(store.prefix, kind, name) }));
}

export async function versionsOf(store: S3Store, kind: ObjectKind, name: string): Promise<{ versions: number; deleteMarkers: number }> {
  const key = objectKey(store.prefix, kind, name);
  const r = await adminClient().send(new ListObjectVersionsCommand({ Bucket: store.bucket, Prefix: key }));
  return { versions: (r.Versions ?? []).filter((v) => v.Key === key).length, deleteMarkers: (r.DeleteMarkers ?? []).filter((v) => v.Key === key).length };
}

/** The HavreError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function failure(p: Promise<unknown>): Promise<HavreError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HavreError) return e;
    throw e;
  }
  throw new Error('expected a HavreError, but the call succeeded');
}
