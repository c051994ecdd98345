// IT's cloud copies from the machine policy (`targets`, issue 8), through the real `havre` CLI and
// the real radosgw (Object Lock buckets): a copy is added only once this machine's access key is
// there, under a prefix made this machine's, receives the repository after the backup, and
// restores byte for byte; a second machine given the same prefix is refused (never mixes its
// objects in); a copy the policy drops leaves this machine (its content stays); a policy name that
// collides with a target set up by hand is reported and the hand-made one left alone. Bad inputs
// tried: no key, a prefix that holds another repository, a bucket without Object Lock for a locked
// copy, a name taken by the primary.
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFromPolicy } from '../../../src-main/engine/targets/index.js';
import { safeUserName } from '../../../src-main/engine/jobs/index.js';
import { createBucket, s3Fixture } from '../../s3/helpers.js';
import { expectBucketClean, expectRestored, havreFor, machineEnv, makeTree, ok, snapshotIds, tempRoot, type BackupDoc, type Havre } from './helpers.js';

interface Machine {
  readonly havre: Havre;
  readonly home: string;
  readonly env: Record<string, string>;
  setPolicy(doc: unknown): void;
}

/** A machine with a local repository, its own HAVRE_HOME and its own policy root; no S3 key unless given. */
async function machine(root: string, name: string): Promise<Machine> {
  const policyRoot = join(root, `${name}-policy`);
  mkdirSync(join(policyRoot, 'etc/havre'), { recursive: true });
  const env = machineEnv(root, name, { HAVRE_POLICY_ROOT: policyRoot, HAVRE_S3_ACCESS_KEY_ID: '', HAVRE_S3_SECRET_ACCESS_KEY: '' });
  const havre = havreFor(env);
  await ok(havre, ['init', '--repo', join(root, `${name}-repo`), '--json']);
  return { havre, home: env.HAVRE_HOME!, env, setPolicy: (doc) => writeFileSync(join(policyRoot, 'etc/havre/policy.json'), JSON.stringify(doc)) };
}

const copies = (m: Machine): { name: string; prefix: string; fromPolicy?: boolean; timing: string }[] =>
  (JSON.parse(readFileSync(join(m.home, 'config.json'), 'utf8')) as { copies?: { name: string; prefix: string; fromPolicy?: boolean; timing: string }[] }).copies ?? [];

describe('cloud copies from the machine policy (real radosgw)', () => {
  const tmp = tempRoot('havre-policy-targets-');
  const f = s3Fixture();
  const key = { HAVRE_S3_ACCESS_KEY_ID: f.accessKeyId, HAVRE_S3_SECRET_ACCESS_KEY: f.secretAccessKey };
  let bucket: string;
  let a: Machine;
  let src: string;
  const target = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ kind: 's3', name: 'cloud', endpoint: f.endpoint, bucket, prefix: 'pcs/{host}-{user}', lockDays: 1, ...extra });

  beforeAll(async () => {
    bucket = await createBucket({ lock: true });
    a = await machine(tmp.root, 'a');
    src = makeTree(join(tmp.root, 'src'), { big: 3 });
  });
  afterAll(() => tmp.cleanup());

  it('without this machine’s key the copy is not added, the backup runs, and the warning says how to give the key', async () => {
    a.setPolicy({ version: 1, targets: [target()] });
    const r = await ok(a.havre, ['backup', src, '--json']);
    expect(r.stderr).toContain('The cloud copy cloud that your organisation’s policy asks for is not set up on this computer yet');
    expect(r.stderr).toContain('havre target credentials cloud');
    expect(copies(a)).toEqual([]);
  });

  it('with the key, the next backup adds it under this machine’s prefix; it catches up, is locked, and restores byte for byte', async () => {
    const r = await ok(a.havre, ['backup', src, '--json'], key);
    expect(r.stderr).toContain('Cloud copy cloud added by your organisation’s policy');
    const expected = copyFromPolicy({ kind: 's3', name: 'cloud', endpoint: f.endpoint, bucket, prefix: 'pcs/{host}-{user}' }, 'x', { host: hostname(), user: safeUserName() }).prefix;
    expect(copies(a)).toEqual([expect.objectContaining({ name: 'cloud', prefix: expected, fromPolicy: true, timing: 'after' })]);
    const last = r.json<BackupDoc>().snapshot;
    await ok(a.havre, ['target', 'sync', '--json'], key);
    expect(await snapshotIds(a.havre, ['--target', 'cloud'], key)).toEqual(await snapshotIds(a.havre, [], key));
    await expectBucketClean(bucket, expected, 'GOVERNANCE');
    await expectRestored(a.havre, last, src, join(tmp.root, 'out-a'), { args: ['--from', 'cloud'], env: key });
    // Nothing changes while the policy does not: no second look at the bucket, no message.
    expect((await ok(a.havre, ['backup', src, '--json'], key)).stderr).not.toContain('Cloud copy');
  });

  it('a second machine given the same prefix is refused: it never writes into another repository', async () => {
    const b = await machine(tmp.root, 'b');
    const taken = copies(a)[0]!.prefix;
    b.setPolicy({ version: 1, targets: [target({ prefix: taken })] });
    const r = await ok(b.havre, ['backup', src, '--json'], key);
    expect(r.stderr).toMatch(/already holds another repository/);
    expect(copies(b)).toEqual([]);
  });

  it('a locked copy in a bucket without Object Lock is refused; a name taken by a target set up by hand is reported and left alone', async () => {
    const c = await machine(tmp.root, 'c');
    const plain = await createBucket({ lock: false });
    c.setPolicy({ version: 1, targets: [target({ bucket: plain }), { ...target(), name: 'local' }] });
    const r = await ok(c.havre, ['backup', src, '--json'], key);
    expect(r.stderr).toMatch(/has no Object Lock/);
    expect(r.stderr).toMatch(/already has a target of that name, set up by hand/);
    expect(copies(c)).toEqual([]);
  });

  it('a copy the policy drops is removed from this machine; what the bucket holds stays', async () => {
    const prefix = copies(a)[0]!.prefix;
    const before = await expectBucketClean(bucket, prefix, 'GOVERNANCE');
    a.setPolicy({ version: 1 });
    const r = await ok(a.havre, ['backup', src, '--json'], key);
    expect(r.stderr).toContain('Cloud copy cloud removed by your organisation’s policy');
    expect(copies(a)).toEqual([]);
    expect((await expectBucketClean(bucket, prefix, 'GOVERNANCE')).size).toBe(before.size);
  });
});
