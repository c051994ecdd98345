// A cloud-only machine (the repository itself in an Object Lock bucket on the real radosgw),
// through the real `havre` CLI: created by `target add s3`, backed up and restored; and every bad
// bucket or key refused with the error a person can act on, losing nothing: no Object Lock, no
// bucket, a wrong secret, a prefix that holds another machine's repository, a key revoked between
// two backups (then replaced with `target credentials`), a full quota (then raised).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBucket, createUser, radosgwAdmin, removeKey, s3Fixture, setUserQuota } from '../../s3/helpers.js';
import {
  addArgs, bucketVersions, expectBucketClean, expectRestored, fails, havreFor, machineEnv, makeTree, ok, pendingOf, repoKeys, s3Env, snapshotIds, tempRoot,
  type BackupDoc, type TargetDoc, type VerifyDoc,
} from './helpers.js';

const haveBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
if (!haveBus && process.env.CI) throw new Error('CI must run the tests inside scripts/with-keyring.sh');

interface AddDoc {
  target: string;
  role: string;
  repoId: string;
  recoveryKey?: string;
  objectLock: boolean;
  versioning: string | null;
  credentials: 'keychain' | 'environment';
  warnings: string[];
}

/** A further S3 key for a user. */
async function newKey(uid: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const before = JSON.parse(await radosgwAdmin(['user', 'info', `--uid=${uid}`])) as { keys: { access_key: string }[] };
  const after = JSON.parse(await radosgwAdmin(['key', 'create', `--uid=${uid}`, '--key-type=s3', '--gen-access-key', '--gen-secret'])) as { keys: { access_key: string; secret_key: string }[] };
  const k = after.keys.find((x) => !before.keys.some((y) => y.access_key === x.access_key));
  if (!k) throw new Error(`radosgw-admin key create gave no new key: ${JSON.stringify(after)}`);
  return { accessKeyId: k.access_key, secretAccessKey: k.secret_key };
}

describe('a cloud-only repository', () => {
  const tmp = tempRoot('havre-cloud-only-');
  afterAll(() => tmp.cleanup());

  it('target add s3 with no repository creates one in the bucket; backup and restore round trip', async () => {
    const bucket = await createBucket({ lock: true });
    const h = havreFor(machineEnv(tmp.root, 'pc'));
    const add = await ok(h, addArgs(bucket, { prefix: 'laptops/pc-1', extra: ['--lock-mode', 'compliance'] }));
    const doc = add.json<AddDoc>();
    expect(doc).toMatchObject({ target: 'cloud', role: 'primary', objectLock: true, versioning: 'Enabled', credentials: 'environment', warnings: [] });
    expect(doc.recoveryKey).toMatch(/\S{20,}/);
    expect(add.stderr).not.toContain(doc.recoveryKey); // --json: the key is in the document only
    const listed = (await ok(h, ['target', 'list', '--json'])).json<{ targets: TargetDoc[] }>().targets;
    expect(listed.map((t) => [t.name, t.role, t.kind])).toEqual([['cloud', 'primary', 's3']]);

    const src = makeTree(join(tmp.root, 'src'), { big: 6, minKiB: 1024, maxKiB: 3072 });
    const b = await ok(h, ['backup', src, '--json']);
    const snap = b.json<BackupDoc>().snapshot;
    expect(await snapshotIds(h)).toEqual([snap]);
    expect(await pendingOf(h, 'cloud')).toBe(0);
    const objects = await expectBucketClean(bucket, 'laptops/pc-1/', 'COMPLIANCE');
    expect([...objects].filter((o) => o.startsWith('snapshots/'))).toEqual([`snapshots/${snap}`]);
    expect([...objects].filter((o) => o.startsWith('config/') || o.startsWith('keys/')).length).toBeGreaterThanOrEqual(2);
    expect((await ok(h, ['verify', '--read-data', '--json'])).json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 1 });
    await expectRestored(h, snap, src, join(tmp.root, 'out'));

    // A new laptop with the same bucket and password joins the repository rather than making another.
    const other = havreFor(machineEnv(tmp.root, 'pc-reinstalled'));
    const again = await ok(other, addArgs(bucket, { prefix: 'laptops/pc-1' }));
    expect(again.json<AddDoc>()).toMatchObject({ role: 'primary', repoId: doc.repoId });
    expect(again.json<AddDoc>().recoveryKey).toBeUndefined();
    await expectRestored(other, 'latest', src, join(tmp.root, 'out-reinstalled'));
  });

  it('a bucket without Object Lock is refused (S3_NO_OBJECT_LOCK) unless --no-lock, which warns', async () => {
    const bucket = await createBucket({ versioning: true });
    const h = havreFor(machineEnv(tmp.root, 'nolock'));
    const e = await fails(h, addArgs(bucket));
    expect(e.code).toBe('S3_NO_OBJECT_LOCK');
    expect(e.stderr).toMatch(/has no Object Lock.*--no-lock/);
    expect(await ok(h, ['target', 'list', '--json']).then((r) => r.json<{ targets: unknown[] }>().targets)).toEqual([]); // nothing configured
    expect(repoKeys(await bucketVersions(bucket), '').size).toBe(0); // nothing created

    const add = await ok(h, ['target', 'add', 's3', '--endpoint', s3Fixture().endpoint, '--bucket', bucket, '--no-lock', '--json']);
    const doc = add.json<AddDoc>();
    expect(doc).toMatchObject({ role: 'primary', objectLock: false, lock: null });
    expect(doc.warnings.join('\n')).toMatch(/no Object Lock/);
    const human = await ok(havreFor(machineEnv(tmp.root, 'nolock-human')), ['target', 'add', 's3', '--endpoint', s3Fixture().endpoint, '--bucket', bucket, '--prefix', 'h', '--no-lock']);
    expect(human.stdout).toMatch(/Warning: no Object Lock/);

    const src = makeTree(join(tmp.root, 'src-nolock'), { big: 2 });
    const snap = (await ok(h, ['backup', src, '--json'])).json<BackupDoc>().snapshot;
    await expectBucketClean(bucket, '', null);
    await expectRestored(h, snap, src, join(tmp.root, 'out-nolock'));
  });

  it('a missing bucket, a wrong secret and a prefix holding another machine’s repository are refused', async () => {
    const h = havreFor(machineEnv(tmp.root, 'refused'));
    const missing = await fails(h, addArgs('havre-no-such-bucket-here'));
    expect(missing.code).toBe('S3_BUCKET_MISSING');
    expect(missing.params.bucket).toBe('havre-no-such-bucket-here');

    const bucket = await createBucket({ lock: true });
    const wrong = 'wrong-secret-for-the-test-0123456789abc';
    const rejected = await fails(h, addArgs(bucket), { HAVRE_S3_SECRET_ACCESS_KEY: wrong });
    expect(rejected.code).toBe('S3_CREDENTIALS_REJECTED');
    expect(rejected.params.reason).toBe('SignatureDoesNotMatch');
    expect(rejected.stderr + JSON.stringify(rejected)).not.toContain(wrong);

    // Machine A's cloud-only repository at prefix "a"; machine B (its own local repository) may not copy into it.
    await ok(havreFor(machineEnv(tmp.root, 'machine-a')), addArgs(bucket, { prefix: 'a' }));
    const before = await bucketVersions(bucket, 'a/');
    const b = havreFor(machineEnv(tmp.root, 'machine-b'));
    await ok(b, ['init', '--repo', join(tmp.root, 'machine-b-repo'), '--json']);
    const taken = await fails(b, addArgs(bucket, { prefix: 'a' }));
    expect(taken.code).toBe('S3_PREFIX_TAKEN');
    expect(taken.params).toMatchObject({ bucket, prefix: 'a/' });
    expect(repoKeys(await bucketVersions(bucket, 'a/'), 'a/')).toEqual(repoKeys(before, 'a/')); // untouched
    expect((await ok(b, ['target', 'list', '--json'])).json<{ targets: TargetDoc[] }>().targets.map((t) => t.name)).toEqual(['local']);
    // Nothing configured after any refusal on the first machine either.
    expect((await ok(h, ['target', 'list', '--json'])).json<{ targets: unknown[] }>().targets).toEqual([]);
  });

  it.skipIf(!haveBus)('a key revoked between two backups: a clear S3_CREDENTIALS_REJECTED, nothing lost; a new key with target credentials, and backups go on', async () => {
    const user = await createUser();
    const bucket = await createBucket({ lock: true, credentials: user });
    const inspector = await newKey(user.uid); // the test's own look into the bucket, never revoked
    // The key lives in the OS keychain (no S3 key in the environment).
    const env = { HAVRE_HOME: join(tmp.root, 'revoked'), HAVRE_PASSWORD: 'a password', HAVRE_INSECURE_TEST_KDF: '1' };
    const h = havreFor(env);
    const add = await ok(h, addArgs(bucket, { extra: ['--access-key-id', user.accessKeyId, '--secret-key-stdin'] }), {}, user.secretAccessKey);
    expect(add.json<AddDoc>().credentials).toBe('keychain');
    const src = makeTree(join(tmp.root, 'src-revoked'), { big: 3 });
    const first = (await ok(h, ['backup', src, '--json'])).json<BackupDoc>().snapshot;
    const before = await expectBucketClean(bucket, '', 'GOVERNANCE', inspector);

    await removeKey(user.uid, user.accessKeyId);
    writeFileSync(join(src, 'new.txt'), 'after the key was revoked\n');
    const e = await fails(h, ['backup', src, '--json']);
    expect(e.code).toBe('S3_CREDENTIALS_REJECTED');
    expect(e.params).toMatchObject({ bucket, target: 'cloud', reason: 'InvalidAccessKeyId' });
    expect(e.stderr).toMatch(/havre target credentials cloud/);
    expect(await expectBucketClean(bucket, '', 'GOVERNANCE', inspector)).toEqual(before); // nothing lost, nothing half-sent
    expect((await fails(h, ['snapshots', '--json'])).code).toBe('S3_CREDENTIALS_REJECTED');

    // A wrong new key is checked before it replaces the old one.
    expect((await fails(h, ['target', 'credentials', 'cloud', '--access-key-id', user.accessKeyId, '--secret-key-stdin', '--json'], {}, 'nope')).code).toBe('S3_CREDENTIALS_REJECTED');
    const key = await newKey(user.uid);
    const c = await ok(h, ['target', 'credentials', 'cloud', '--access-key-id', key.accessKeyId, '--secret-key-stdin', '--json'], {}, key.secretAccessKey);
    expect(c.json()).toEqual({ target: 'cloud', credentials: 'keychain' });
    const second = (await ok(h, ['backup', src, '--json'])).json<BackupDoc>().snapshot;
    expect(await snapshotIds(h)).toEqual([first, second].sort());
    const after = await expectBucketClean(bucket, '', 'GOVERNANCE', inspector);
    expect([...before].every((o) => after.has(o))).toBe(true);
    await expectRestored(h, second, src, join(tmp.root, 'out-revoked'));
  });

  it('a full quota: the backup fails with S3_QUOTA_EXCEEDED and loses nothing; the quota raised, the next backup completes', async () => {
    const user = await createUser();
    const bucket = await createBucket({ lock: true, credentials: user });
    const h = havreFor(machineEnv(tmp.root, 'quota', s3Env(user)));
    await ok(h, addArgs(bucket));
    const src = makeTree(join(tmp.root, 'src-quota'), { big: 2, minKiB: 64, maxKiB: 128 });
    const first = (await ok(h, ['backup', src, '--json'])).json<BackupDoc>().snapshot;
    const before = await expectBucketClean(bucket, '', 'GOVERNANCE', user);

    await setUserQuota(user.uid, 4 * 1024 * 1024);
    const more = makeTree(join(tmp.root, 'src-quota-more'), { big: 8, minKiB: 1024, maxKiB: 2048 }); // ~12 MiB more: over the quota
    const e = await fails(h, ['backup', src, more, '--json']);
    expect(e.code).toBe('S3_QUOTA_EXCEEDED');
    expect(e.params).toMatchObject({ bucket });
    expect(e.stderr).toMatch(/quota/);
    expect(await snapshotIds(h)).toEqual([first]);
    const during = await expectBucketClean(bucket, '', 'GOVERNANCE', user); // nothing overwritten, nothing twice
    expect([...before].every((o) => during.has(o))).toBe(true);
    await expectRestored(h, first, src, join(tmp.root, 'out-quota-first'));

    await setUserQuota(user.uid, 256 * 1024 * 1024);
    const second = (await ok(h, ['backup', src, more, '--json'])).json<BackupDoc>().snapshot;
    expect(await snapshotIds(h)).toEqual([first, second].sort());
    await expectBucketClean(bucket, '', 'GOVERNANCE', user);
    expect((await ok(h, ['verify', '--read-data', '--json'])).json<VerifyDoc>().ok).toBe(true);
    await expectRestored(h, second, src, join(tmp.root, 'out-quota'), { also: [more] });
  });
});
