// Helpers for tests against the real S3 server (Ceph radosgw) that test/s3/globalSetup.ts starts
// once per vitest run: the fixture's coordinates, S3 clients, and admin actions through
// radosgw-admin (users, keys, quotas, suspension), each effective at once.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { inject } from 'vitest';

// The SDK warns once per process that Node 20 support ends; it reads this when a client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface S3Fixture {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** https://127.0.0.1:PORT, with a certificate for 127.0.0.1 and localhost issued by caPem */
  httpsEndpoint: string;
  /** PEM of the test CA that issued the https endpoint's certificate */
  caPem: string;
  region: string;
  /** The admin test user's key (owns the buckets createBucket makes without credentials) */
  accessKeyId: string;
  secretAccessKey: string;
  /** BASE/ceph.conf, for `radosgw-admin -c` */
  confPath: string;
}

// The one declaration of what test/s3/globalSetup.ts provides.
declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3Fixture;
  }
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function s3Fixture(): S3Fixture {
  return inject('s3');
}

/** An S3 client for the fixture: path-style, checksums only when required (radosgw answers 411
 *  MissingContentLength to the SDK's default aws-chunked bodies), one attempt unless told.
 *  `endpoint` may be an HttpFaultProxy's url; an https endpoint trusts the fixture's CA. */
export function s3Client(opts: { credentials?: S3Credentials; endpoint?: string; maxAttempts?: number; config?: Partial<S3ClientConfig> } = {}): S3Client {
  const f = s3Fixture();
  const endpoint = opts.endpoint ?? f.endpoint;
  return new S3Client({
    endpoint,
    region: f.region,
    forcePathStyle: true,
    credentials: opts.credentials ?? { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: opts.maxAttempts ?? 1,
    ...(endpoint.startsWith('https:') ? { requestHandler: { httpsAgent: new HttpsAgent({ ca: f.caPem, keepAlive: true }) } } : {}),
    ...opts.config,
  });
}

let admin: S3Client | undefined;

/** The admin test user's client (shared; do not destroy it). */
export function adminClient(): S3Client {
  admin ??= s3Client({ maxAttempts: 3 });
  return admin;
}

/** Runs `radosgw-admin -c confPath ...args`; resolves its stdout. */
export function radosgwAdmin(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('radosgw-admin', ['-c', s3Fixture().confPath, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`radosgw-admin ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
}

/** Creates a bucket with a unique valid name (owned by `credentials`' user, else the admin user).
 *  `lock` creates it with Object Lock enabled, which implies versioning. */
export async function createBucket(opts: { lock?: boolean; versioning?: boolean; credentials?: S3Credentials } = {}): Promise<string> {
  const name = uniqueName('havre-test');
  const client = opts.credentials ? s3Client({ credentials: opts.credentials, maxAttempts: 3 }) : adminClient();
  try {
    await client.send(new CreateBucketCommand({ Bucket: name, ...(opts.lock ? { ObjectLockEnabledForBucket: true } : {}) }));
    if (opts.versioning && !opts.lock) await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  } finally {
    if (client !== admin) client.destroy();
  }
  return name;
}

/** A new S3 user with one key. */
export async function createUser(): Promise<{ uid: string; accessKeyId: string; secretAccessKey: string }> {
  const uid = uniqueName('user');
  const out = JSON.parse(await radosgwAdmin(['user', 'create', `--uid=${uid}`, `--display-name=${uid}`])) as { keys: { access_key: string; secret_key: string }[] };
  const key = out.keys[0];
  if (!key) throw new Error(`radosgw-admin user create gave no key: ${JSON.stringify(out)}`);
  return { uid, accessKeyId: key.access_key, secretAccessKey: key.secret_key };
}

/** Sets and enables a user quota of maxBytes, enforced from the next request on: the PUT that
 *  would cross it gets 403 QuotaExceeded. radosgw counts each object rounded up to 4 KiB, and
 *  checks a PUT's Content-Length before storing anything. Ends with a stats sync, without which
 *  radosgw would miss what the user stored in the last minutes (see test/fixtures/s3/up.sh). */
export async function setUserQuota(uid: string, maxBytes: number): Promise<void> {
  await radosgwAdmin(['quota', 'set', '--quota-scope=user', `--uid=${uid}`, `--max-size=${maxBytes}`]);
  await radosgwAdmin(['quota', 'enable', '--quota-scope=user', `--uid=${uid}`]);
  await radosgwAdmin(['user', 'stats', `--uid=${uid}`, '--sync-stats']);
}

/** Deletes one S3 key of a user: requests signed with it get 403 InvalidAccessKeyId. */
export async function removeKey(uid: string, accessKeyId: string): Promise<void> {
  await radosgwAdmin(['key', 'rm', `--uid=${uid}`, '--key-type=s3', `--access-key=${accessKeyId}`]);
}

/** Suspends a user: every request with its keys gets 403 UserSuspended. */
export async function suspendUser(uid: string): Promise<void> {
  await radosgwAdmin(['user', 'suspend', `--uid=${uid}`]);
}

/** Lifts a suspension. */
export async function enableUser(uid: string): Promise<void> {
  await radosgwAdmin(['user', 'enable', `--uid=${uid}`]);
}
