import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { HavreError } from '../../errors/index.js';
import { DEFAULT_RETRY } from '../../net/retry.js';
import type { ByteRange, LockingStore, ObjectInfo, ObjectKind, ObjectLockPolicy, ObjectLockState, PutReceipt } from '../Store.js';
import { inspectBucket, type BucketReport } from './BucketReport.js';
import { checkEndpoint, endpointText } from './endpoint.js';
import { Gate } from './Gate.js';
import { makeClient } from './makeClient.js';
import { kindPrefix, nameFromKey, normalisePrefix, objectKey } from './objectKeys.js';
import { BodyTooLarge, readBody } from './readBody.js';
import { describeFailure } from './s3Errors.js';
import { S3Requests, type RequestSpec } from './S3Requests.js';
import type { S3StoreOptions } from './S3Settings.js';

const DAY_MS = 86_400_000;
/** The largest object read: packs are ~16 MiB. */
const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;
/** Diagnoses that explain a body-less refusal; anything else leaves the original error standing. */
const EXPLAINING = new Set(['S3_CREDENTIALS_REJECTED', 'S3_FORBIDDEN', 'S3_BUCKET_MISSING', 'S3_QUOTA_EXCEEDED', 'S3_CLOCK_SKEW', 'S3_UNREACHABLE']);

type LockedInfo = ObjectInfo & { readonly lock: ObjectLockState | null };
type HeadResult = Omit<LockedInfo, 'name'>;

/**
 * A repository in an S3 bucket (DESIGN.md §4): `<prefix><kind>/<name>` (objectKeys.ts), every
 * object written once with its SHA-256 and, under a lock policy, an Object Lock retain-until date.
 * Nothing is ever overwritten: a name already there is not sent again (on a versioned bucket a
 * second PUT would make a second, separately locked version).
 */
export class S3Store implements LockingStore {
  readonly location: string;
  readonly lockPolicy: ObjectLockPolicy | null;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  private readonly client: S3Client;
  private readonly requests: S3Requests;
  /** Set once the bucket is known to exist: a 404 on HEAD then means "no such object". */
  private bucketSeen = false;

  constructor(private readonly opts: S3StoreOptions) {
    const url = checkEndpoint(opts.endpoint);
    this.endpoint = endpointText(url);
    this.prefix = normalisePrefix(opts.prefix);
    this.bucket = checkBucket(opts.bucket);
    if (opts.region.trim() === '') throw new HavreError('USAGE', { detail: 'the cloud storage region must not be empty (e.g. us-east-1)' });
    this.lockPolicy = opts.lock === null ? null : checkLock(opts.lock);
    const maxSockets = opts.maxSockets ?? 4;
    if (!Number.isInteger(maxSockets) || maxSockets < 1) throw new HavreError('USAGE', { detail: 'maxSockets must be a positive integer' });
    this.location = `s3://${this.bucket}/${this.prefix} at ${this.endpoint}`;
    this.client = makeClient({
      endpoint: url,
      location: opts,
      credentials: opts.credentials,
      maxSockets,
      ...(opts.timeouts !== undefined ? { timeouts: opts.timeouts } : {}),
      ...(opts.clockOffsetMs !== undefined ? { clockOffsetMs: opts.clockOffsetMs } : {}),
    });
    this.requests = new S3Requests(this.client, opts.retry ?? DEFAULT_RETRY, new Gate(maxSockets), {
      endpoint: this.endpoint,
      bucket: this.bucket,
      targetName: opts.targetName ?? 'cloud',
    });
  }

  /** The server's clock, as far as the SDK has measured it from its answers. */
  now(): number {
    return Date.now() + this.requests.clockOffsetMs();
  }

  /** Closes pooled connections; the store is unusable afterwards. */
  close(): void {
    this.client.destroy();
  }

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<PutReceipt> {
    const key = objectKey(this.prefix, kind, name);
    const existing = await this.headLock(kind, name);
    if (existing) return this.alreadyThere(kind, name, existing, bytes.length);
    // The name is the SHA-256 of the bytes: the checksum S3 verifies is the name itself.
    const checksum = Buffer.from(name, 'hex').toString('base64');
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const lock = this.lockPolicy;
    const spec: RequestSpec = { action: 'write', what: what(kind, name), object: { kind, name }, locking: lock !== null };
    return this.requests.run(spec, async (attempt) => {
      if (attempt > 1) {
        // The last try may have been stored with its answer lost: look before sending it again.
        const h = await this.headOnce(key, spec.what);
        if (h) return this.alreadyThere(kind, name, h, bytes.length);
      }
      // Computed per try, from the server's clock: a wrong local clock never shortens a lock.
      const retainUntil = lock ? this.now() + lock.days * DAY_MS : null;
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: this.opts.upload ? Readable.from([body]).pipe(this.opts.upload.transform()) : body,
          // With the length given and the checksum precomputed, the SDK sends a plain body, never
          // aws-chunked with a trailer (which radosgw and others refuse).
          ContentLength: body.length,
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: checksum,
          ...(lock && retainUntil !== null ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(retainUntil) } : {}),
        }),
      );
      return { uploaded: true, retainUntil };
    });
  }

  private alreadyThere(kind: ObjectKind, name: string, h: HeadResult, size: number): PutReceipt {
    // Same name, another size: not our bytes under our name. Never overwritten, never trusted.
    if (h.size !== size) throw new HavreError('INTEGRITY', { what: `${what(kind, name)} (already stored with another size)` });
    return { uploaded: false, retainUntil: h.lock?.retainUntil ?? null };
  }

  async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    const key = objectKey(this.prefix, kind, name);
    if (range && (!Number.isSafeInteger(range.offset) || !Number.isSafeInteger(range.length) || range.offset < 0 || range.length < 0)) {
      throw new HavreError('INTERNAL', { reason: 'invalid byte range' });
    }
    if (range?.length === 0) return Buffer.alloc(0); // S3 has no empty range
    const w = what(kind, name);
    return this.requests.run({ action: 'read', what: w, object: { kind, name } }, async () => {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}) }),
      );
      let buf: Buffer;
      try {
        buf = await readBody(r.Body, MAX_OBJECT_BYTES, this.opts.download);
      } catch (e) {
        if (e instanceof BodyTooLarge) throw new HavreError('INTEGRITY', { what: `${w} (larger than ${MAX_OBJECT_BYTES} bytes)` });
        throw e;
      }
      if (typeof r.ContentLength === 'number' && buf.length !== r.ContentLength) {
        throw new HavreError('INTEGRITY', { what: `${w} (${buf.length} of ${r.ContentLength} bytes received)` });
      }
      // A server that ignores Range answers with the whole object: cut the range out of it.
      if (range && r.ContentRange === undefined) buf = buf.subarray(range.offset, range.offset + range.length);
      const expected = range ? range.length : buf.length;
      if (buf.length !== expected) throw new HavreError('INTEGRITY', { what: `${w} (${buf.length} of ${expected} bytes received)` });
      return buf;
    });
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    const h = await this.headLock(kind, name);
    return h && { name: h.name, size: h.size };
  }

  async headLock(kind: ObjectKind, name: string): Promise<LockedInfo | null> {
    const key = objectKey(this.prefix, kind, name);
    const spec: RequestSpec = { action: 'read', what: what(kind, name), object: { kind, name }, diagnose: () => this.diagnoseRead(key, spec) };
    const h = await this.requests.run(spec, () => this.headOnce(key, spec.what));
    if (h === null) {
      await this.assertBucket();
      return null;
    }
    return { ...h, name };
  }

  /** One HEAD, without retries: null on 404 (object or bucket absent, S3 does not say which). */
  private async headOnce(key: string, w: string): Promise<HeadResult | null> {
    let r: HeadObjectCommandOutput;
    try {
      r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      const f = describeFailure(e);
      if (f.status === 404 && f.code !== 'NoSuchBucket') return null;
      throw e;
    }
    if (typeof r.ContentLength !== 'number') throw new HavreError('INTEGRITY', { what: `${w} (HEAD without a size)` });
    return { size: r.ContentLength, lock: lockOf(r) };
  }

  /** A HEAD refused without a code: a one-byte GET of the same key says why (same permission). */
  private async diagnoseRead(key: string, spec: RequestSpec): Promise<void> {
    try {
      await this.requests.run({ ...spec, diagnose: undefined }, async () => {
        const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: 'bytes=0-0' }));
        await readBody(r.Body, 1);
      });
    } catch (e) {
      if (e instanceof HavreError && EXPLAINING.has(e.code)) throw e;
    }
  }

  /** HEAD answers 404 for a missing bucket as for a missing object: tell them apart, once. */
  private async assertBucket(): Promise<void> {
    if (this.bucketSeen) return;
    const found = await this.requests.run({ action: 'list', what: 'bucket' }, async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
        return true;
      } catch (e) {
        const f = describeFailure(e);
        if (f.status === 404) return false;
        // Refused: the key may lack the permission HEAD bucket needs, but the bucket is there.
        if ((f.status === 403 || f.status === 400) && f.retry === null) return true;
        throw e;
      }
    });
    if (!found) throw new HavreError('S3_BUCKET_MISSING', { bucket: this.bucket, endpoint: this.endpoint });
    this.bucketSeen = true;
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const seen = new Set<string>();
    const spec: RequestSpec = { action: 'list', what: `${kind}/ (list)` };
    let token: string | undefined;
    do {
      const t = token;
      const page = await this.requests.run(spec, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: kindPrefix(this.prefix, kind), ...(t !== undefined ? { ContinuationToken: t } : {}) })),
      );
      for (const o of page.Contents ?? []) {
        const name = o.Key !== undefined ? nameFromKey(this.prefix, kind, o.Key) : null;
        if (name !== null && typeof o.Size === 'number') out.push({ name, size: o.Size });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      // A server that says "more" without a new token would have us loop for ever.
      if (page.IsTruncated === true && (token === undefined || seen.has(token))) {
        throw new HavreError('S3_SERVER_ERROR', { what: spec.what, status: 200, reason: 'listing without a usable continuation token', attempts: 1 });
      }
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
    return out;
  }

  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    const h = await this.headLock(kind, name);
    if (!h) return;
    // Never ask: a refused DELETE would be an error; a lock is a reason to wait, not a failure.
    if (h.lock && h.lock.retainUntil > this.now()) {
      throw new HavreError('S3_OBJECT_LOCKED', { what: what(kind, name), until: new Date(h.lock.retainUntil).toISOString() });
    }
    // Without a version id: on a versioned bucket, a delete marker; the bucket's lifecycle rule
    // removes old versions once their lock has ended.
    await this.requests.run({ action: 'delete', what: what(kind, name), object: { kind, name } }, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(this.prefix, kind, name) })),
    );
  }

  async extendLock(kind: ObjectKind, name: string, retainUntil: number): Promise<void> {
    const policy = this.lockPolicy;
    if (!policy) return;
    if (!Number.isFinite(retainUntil)) throw new HavreError('INTERNAL', { reason: 'invalid retain-until date' });
    const h = await this.headLock(kind, name);
    if (!h) throw new HavreError('OBJECT_MISSING', { kind, name });
    if (h.lock && h.lock.retainUntil >= retainUntil) return; // later already: never shortened
    // A COMPLIANCE lock cannot become GOVERNANCE: keep its mode whatever the policy says now.
    const mode = h.lock?.mode === 'COMPLIANCE' ? 'COMPLIANCE' : policy.mode;
    await this.requests.run({ action: 'change locks', what: what(kind, name), object: { kind, name }, locking: true }, () =>
      this.client.send(
        new PutObjectRetentionCommand({ Bucket: this.bucket, Key: objectKey(this.prefix, kind, name), Retention: { Mode: mode, RetainUntilDate: new Date(retainUntil) } }),
      ),
    );
  }

  /** Everything `havre target check` reports (BucketReport.ts). Writes, reads and deletes one probe. */
  inspect(): Promise<BucketReport> {
    return inspectBucket({
      client: this.client,
      requests: this.requests,
      bucket: this.bucket,
      prefix: this.prefix,
      endpoint: this.endpoint,
      lockPolicy: this.lockPolicy,
      now: () => this.now(),
    });
  }
}

function what(kind: ObjectKind, name: string): string {
  return `${kind}/${name.slice(0, 12)}`;
}

function lockOf(r: HeadObjectCommandOutput): ObjectLockState | null {
  const mode = r.ObjectLockMode;
  const until = r.ObjectLockRetainUntilDate?.getTime();
  if ((mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') || until === undefined || Number.isNaN(until)) return null;
  return { mode, retainUntil: until };
}

function checkBucket(bucket: string): string {
  // Loose on purpose (old buckets may hold capitals or '_'), strict on what could change a path.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new HavreError('USAGE', { detail: `“${bucket.slice(0, 100)}” is not a bucket name (letters, digits, “.”, “-”, “_”; 2 to 255 characters)` });
  }
  return bucket;
}

function checkLock(lock: ObjectLockPolicy): ObjectLockPolicy {
  if (lock.mode !== 'GOVERNANCE' && lock.mode !== 'COMPLIANCE') throw new HavreError('USAGE', { detail: 'the Object Lock mode must be GOVERNANCE or COMPLIANCE' });
  if (!Number.isFinite(lock.days) || lock.days <= 0) throw new HavreError('USAGE', { detail: 'the Object Lock retention must be a positive number of days' });
  return lock;
}
