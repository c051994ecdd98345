// What `havre target check` learns about a bucket, one entry per check, in the order a backup
// needs them: reachable, key accepted, bucket there, its versioning and Object Lock, then list,
// write, read back and delete a probe. A check that cannot run after an earlier failure is marked
// skipped. Details are short plain English; the caller phrases advice.
import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { HavreError, type ErrorCode } from '../../errors/index.js';
import type { ObjectLockPolicy } from '../Store.js';
import { objectName } from '../objectName.js';
import { probeKey } from './objectKeys.js';
import { readBody } from './readBody.js';
import { describeFailure } from './s3Errors.js';
import type { S3Requests } from './S3Requests.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
  /** The error a backup would meet, when the check failed on one. */
  readonly code?: ErrorCode;
  /** Not run, because an earlier check failed. */
  readonly skipped?: boolean;
  /** The error itself, so a caller can raise it as a backup would (bilingual, with its params). */
  readonly error?: HavreError;
}

export type VersioningStatus = 'Enabled' | 'Suspended' | 'off';

export interface BucketReport {
  readonly location: string;
  /** Every check a backup needs passed. A refused delete (push-only key) and the clock do not count. */
  readonly ok: boolean;
  readonly reachable: CheckResult;
  readonly credentials: CheckResult;
  readonly bucket: CheckResult;
  /** ok: Enabled, or no lock policy (then versioning is not needed). status null: could not be read. */
  readonly versioning: CheckResult & { readonly status: VersioningStatus | null };
  /** ok: enabled, or no lock policy. enabled null: could not be read. */
  readonly objectLock: CheckResult & {
    readonly enabled: boolean | null;
    readonly defaultRetention: { readonly mode: string; readonly days: number } | null;
  };
  readonly list: CheckResult;
  /** A 0-byte probe `<prefix>probe/<random>`, with the same lock headers as every object. */
  readonly write: CheckResult;
  readonly read: CheckResult;
  /** ok:false with detail 'not permitted (push-only key)' is a valid set-up, not a failure. */
  readonly delete: CheckResult;
  /** The local clock's offset from the storage's (ms, positive: the storage is ahead). */
  readonly clock: CheckResult & { readonly offsetMs: number };
}

export interface BucketAccess {
  readonly client: S3Client;
  readonly requests: S3Requests;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  readonly lockPolicy: ObjectLockPolicy | null;
  now(): number;
}

const SKIPPED: CheckResult = { ok: false, detail: 'skipped (an earlier check failed)', skipped: true };
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365;
/** Beyond this, a service that does not correct for skew (as the SDK does) refuses requests. */
const CLOCK_OK_MS = 5 * 60_000;

function failed(e: unknown): CheckResult {
  if (e instanceof HavreError) return { ok: false, detail: e.message, code: e.code, error: e };
  return { ok: false, detail: 'unexpected error', code: 'INTERNAL' };
}

function errorCode(e: unknown): ErrorCode | undefined {
  return e instanceof HavreError ? e.code : undefined;
}

export async function inspectBucket(a: BucketAccess): Promise<BucketReport> {
  const location = `s3://${a.bucket}/${a.prefix} at ${a.endpoint}`;
  const tls = a.endpoint.startsWith('https:') ? 'answered over HTTPS (TLS 1.2 or later)' : 'answered over plain HTTP (this computer only)';
  const clock = (): BucketReport['clock'] => {
    const offsetMs = a.requests.clockOffsetMs();
    const s = Math.round(offsetMs / 1000);
    return { ok: Math.abs(offsetMs) <= CLOCK_OK_MS, detail: s === 0 ? 'in step with the storage' : `this computer is ${Math.abs(s)} s ${s > 0 ? 'behind' : 'ahead of'} the storage`, offsetMs };
  };
  const stop = (partial: Partial<BucketReport>): BucketReport => ({
    location,
    ok: false,
    reachable: SKIPPED,
    credentials: SKIPPED,
    bucket: SKIPPED,
    versioning: { ...SKIPPED, status: null },
    objectLock: { ...SKIPPED, enabled: null, defaultRetention: null },
    list: SKIPPED,
    write: SKIPPED,
    read: SKIPPED,
    delete: SKIPPED,
    clock: clock(),
    ...partial,
  });

  // 1. One listing answers four questions: reachable, key accepted, bucket there, list allowed.
  let list: CheckResult;
  try {
    await a.requests.run({ action: 'list', what: 'bucket' }, () => a.client.send(new ListObjectsV2Command({ Bucket: a.bucket, Prefix: a.prefix, MaxKeys: 1 })));
    list = { ok: true, detail: 'allowed' };
  } catch (e) {
    const code = errorCode(e);
    if (code === 'S3_UNREACHABLE') return stop({ reachable: failed(e) });
    const reachable = { ok: true, detail: tls };
    if (code === 'S3_CREDENTIALS_REJECTED') return stop({ reachable, credentials: failed(e) });
    if (code === 'S3_CLOCK_SKEW') return stop({ reachable, clock: { ...clock(), ok: false, code } });
    const credentials = { ok: true, detail: 'accepted' };
    if (code === 'S3_BUCKET_MISSING') return stop({ reachable, credentials, bucket: failed(e) });
    if (code !== 'S3_FORBIDDEN') return stop({ reachable, credentials: { ...failed(e), detail: `could not be checked: ${failed(e).detail}` } });
    list = { ok: false, detail: 'not permitted', code };
    // The key may not list: whether the bucket exists is still worth knowing.
    if (!(await bucketExists(a))) return stop({ reachable, credentials, bucket: { ok: false, detail: 'does not exist', code: 'S3_BUCKET_MISSING' }, list });
  }
  const reachable = { ok: true, detail: tls };
  const credentials = { ok: true, detail: 'accepted' };
  const bucket = { ok: true, detail: 'exists' };

  const versioning = await checkVersioning(a);
  const objectLock = await checkObjectLock(a);

  // 2. A probe through the same path as a backup: lock headers included. Under Object Lock it
  // stays until its date (the delete below only hides it); at 0 bytes that costs nothing.
  const key = probeKey(a.prefix, randomBytes(16).toString('hex'));
  let write: CheckResult;
  try {
    await a.requests.run({ action: 'write', what: 'probe', locking: a.lockPolicy !== null }, () =>
      a.client.send(
        new PutObjectCommand({
          Bucket: a.bucket,
          Key: key,
          Body: Buffer.alloc(0),
          ContentLength: 0,
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: Buffer.from(objectName(Buffer.alloc(0)), 'hex').toString('base64'),
          ...(a.lockPolicy ? { ObjectLockMode: a.lockPolicy.mode, ObjectLockRetainUntilDate: new Date(a.now() + a.lockPolicy.days * DAY_MS) } : {}),
        }),
      ),
    );
    write = { ok: true, detail: a.lockPolicy ? `allowed, with a ${a.lockPolicy.mode} lock` : 'allowed' };
  } catch (e) {
    write = failed(e);
  }

  let read: CheckResult = SKIPPED;
  let del: CheckResult = SKIPPED;
  if (write.ok) {
    try {
      const got = await a.requests.run({ action: 'read', what: 'probe' }, async () => {
        const r = await a.client.send(new GetObjectCommand({ Bucket: a.bucket, Key: key }));
        return readBody(r.Body, 1024);
      });
      read = got.length === 0 ? { ok: true, detail: 'allowed' } : { ok: false, detail: 'the probe came back different', code: 'INTEGRITY' };
    } catch (e) {
      read = failed(e);
    }
    try {
      await a.requests.run({ action: 'delete', what: 'probe' }, () => a.client.send(new DeleteObjectCommand({ Bucket: a.bucket, Key: key })));
      del = { ok: true, detail: 'allowed' };
    } catch (e) {
      del = errorCode(e) === 'S3_FORBIDDEN' ? { ok: false, detail: 'not permitted (push-only key)', code: 'S3_FORBIDDEN' } : failed(e);
    }
  }

  const lockOk = a.lockPolicy === null || (objectLock.ok && versioning.ok);
  return {
    location,
    ok: list.ok && write.ok && read.ok && lockOk,
    reachable,
    credentials,
    bucket,
    versioning,
    objectLock,
    list,
    write,
    read,
    delete: del,
    clock: clock(),
  };
}

async function bucketExists(a: BucketAccess): Promise<boolean> {
  return a.requests.run({ action: 'list', what: 'bucket' }, async () => {
    try {
      await a.client.send(new HeadBucketCommand({ Bucket: a.bucket }));
      return true;
    } catch (e) {
      const f = describeFailure(e);
      if (f.status === 404) return false;
      if (f.status !== null && f.retry === null) return true; // refused, hence there
      throw e;
    }
  });
}

async function checkVersioning(a: BucketAccess): Promise<BucketReport['versioning']> {
  try {
    const r = await a.requests.run({ action: 'read the settings of', what: 'bucket' }, () => a.client.send(new GetBucketVersioningCommand({ Bucket: a.bucket })));
    const status: VersioningStatus = r.Status === 'Enabled' ? 'Enabled' : r.Status === 'Suspended' ? 'Suspended' : 'off';
    const ok = status === 'Enabled' || a.lockPolicy === null;
    return { ok, detail: status === 'Enabled' ? 'enabled' : status === 'Suspended' ? 'suspended' : 'off', status };
  } catch (e) {
    return { ...failed(e), detail: errorCode(e) === 'S3_FORBIDDEN' ? 'cannot be read (not permitted)' : failed(e).detail, ok: a.lockPolicy === null, status: null };
  }
}

async function checkObjectLock(a: BucketAccess): Promise<BucketReport['objectLock']> {
  try {
    const r = await a.requests.run({ action: 'read the settings of', what: 'bucket' }, async () => {
      try {
        return await a.client.send(new GetObjectLockConfigurationCommand({ Bucket: a.bucket }));
      } catch (e) {
        if (describeFailure(e).code === 'ObjectLockConfigurationNotFoundError') return null;
        throw e;
      }
    });
    const enabled = r?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    const d = r?.ObjectLockConfiguration?.Rule?.DefaultRetention;
    const days = d?.Days ?? (d?.Years !== undefined ? d.Years * YEAR_DAYS : undefined);
    const defaultRetention = enabled && d?.Mode !== undefined && days !== undefined ? { mode: d.Mode, days } : null;
    const detail = !enabled ? 'not enabled' : defaultRetention ? `enabled, default ${defaultRetention.mode} for ${defaultRetention.days} day(s)` : 'enabled, no default retention';
    return { ok: enabled || a.lockPolicy === null, detail, ...(enabled || a.lockPolicy === null ? {} : { code: 'S3_NO_OBJECT_LOCK' as const }), enabled, defaultRetention };
  } catch (e) {
    return { ...failed(e), detail: errorCode(e) === 'S3_FORBIDDEN' ? 'cannot be read (not permitted)' : failed(e).detail, ok: a.lockPolicy === null, enabled: null, defaultRetention: null };
  }
}
