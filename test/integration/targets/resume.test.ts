// A cloud copy that is interrupted resumes without sending anything twice, through the real `havre`
// CLI against the real radosgw (behind a fault-injecting proxy): `target sync` killed with SIGKILL
// in the middle of a catch-up, and a backup during which one object always fails with a 500.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFaultProxy, type RecordedRequest } from '../../helpers/faultProxy.js';
import { createBucket, s3Fixture } from '../../s3/helpers.js';
import {
  addArgs, expectBucketClean, expectRestored, folderObjects, havreFor, machineEnv, makeTree, ok, ofKind, pendingOf, snapshotIds, spawnHavre, tempRoot, waitFor,
  type BackupDoc, type Havre, type SyncDoc, type VerifyDoc,
} from './helpers.js';

const DATA_PUT = /\/data\/[0-9a-f]{2}\/([0-9a-f]{64})(\?|$)/;

/** Paths PUT more than once with success: an object stored twice (a second locked version). */
function storedTwice(requests: readonly RecordedRequest[]): string[] {
  const n = new Map<string, number>();
  for (const r of requests) if (r.method === 'PUT' && r.status === 200) n.set(r.path, (n.get(r.path) ?? 0) + 1);
  return [...n].filter(([, c]) => c > 1).map(([p]) => p);
}

describe('target sync killed mid catch-up', () => {
  const tmp = tempRoot('havre-resume-');
  let h: Havre;
  let env: Record<string, string>;
  let repo: string;
  let proxy: HttpFaultProxy;
  let bucket: string;
  const trees: string[] = [];
  const snapshots: string[] = [];

  beforeAll(async () => {
    env = machineEnv(tmp.root, 'pc');
    h = havreFor(env);
    repo = join(tmp.root, 'repo');
    await ok(h, ['init', '--repo', repo, '--json']);
    // History first: a few MiB in several packs, no copy yet.
    for (let i = 0; i < 4; i++) {
      const t = makeTree(join(tmp.root, `src-${i}`), { big: 6, minKiB: 512, maxKiB: 1024, seed: String(i) });
      trees.push(t);
      snapshots.push((await ok(h, ['backup', t, '--json'])).json<BackupDoc>().snapshot);
    }
    proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    bucket = await createBucket({ lock: true });
    await ok(h, addArgs(bucket, { endpoint: proxy.url, prefix: 'pc', copy: 'after' }));
  });
  afterAll(async () => {
    await proxy.close();
    tmp.cleanup();
  });

  it('killed after some packs went, the next sync sends only the rest; no key has two versions; restore from the copy', async () => {
    const local = folderObjects(repo);
    const packs = ofKind(local, 'data');
    expect(packs.length).toBeGreaterThanOrEqual(6);
    // Slow PUTs down so the kill lands while packs are in flight.
    const slow = proxy.fault({ method: 'PUT', path: DATA_PUT, action: { kind: 'delay', ms: 400 } });
    const packsStored = (): number => proxy.requests.filter((r) => r.method === 'PUT' && DATA_PUT.test(r.path) && r.status === 200).length;
    const run = spawnHavre(['target', 'sync', '--json'], env);
    await waitFor(() => packsStored() >= 2, 'two packs in the bucket', 90_000);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    slow();
    const before = ofKind(await expectBucketClean(bucket, 'pc/'), 'data');
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(packs.length); // really killed in the middle
    expect(await pendingOf(h, 'cloud')).toBeGreaterThan(0);

    // The killed process's lock is stale: the next sync takes over and finishes.
    const r = await ok(h, ['target', 'sync', '--json']);
    const doc = r.json<SyncDoc>();
    expect(doc.ok).toBe(true);
    expect(doc.targets[0]).toMatchObject({ target: 'cloud', pending: 0, error: null });
    expect(doc.targets[0]!.sent).toBeLessThanOrEqual(local.size - before.length);
    expect(await pendingOf(h, 'cloud')).toBe(0);

    expect(storedTwice(proxy.requests)).toEqual([]);
    const inBucket = await expectBucketClean(bucket, 'pc/'); // exactly one version per key
    expect([...inBucket].sort()).toEqual([...local].sort());
    expect(await snapshotIds(h, ['--target', 'cloud'])).toEqual([...snapshots].sort());
    expect((await ok(h, ['verify', '--target', 'cloud', '--read-data', '--json'])).json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 4 });
    await expectRestored(h, snapshots[3]!, trees[3]!, join(tmp.root, 'out-3'), { args: ['--from', 'cloud'] });
    await expectRestored(h, snapshots[0]!, trees[0]!, join(tmp.root, 'out-0'), { args: ['--from', 'cloud'] });
  });
});

describe('a 500 on one object during a backup with a "together" copy', () => {
  const tmp = tempRoot('havre-500-');
  let h: Havre;
  let repo: string;
  let proxy: HttpFaultProxy;
  let bucket: string;
  let s1: string;

  beforeAll(async () => {
    h = havreFor(machineEnv(tmp.root, 'pc'));
    repo = join(tmp.root, 'repo');
    await ok(h, ['init', '--repo', repo, '--json']);
    proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    bucket = await createBucket({ lock: true });
    await ok(h, addArgs(bucket, { endpoint: proxy.url, prefix: 'pc' }));
    s1 = (await ok(h, ['backup', makeTree(join(tmp.root, 'small'), { big: 2 }), '--json'])).json<BackupDoc>().snapshot;
    expect(await pendingOf(h, 'cloud')).toBe(0);
  });
  afterAll(async () => {
    await proxy.close();
    tmp.cleanup();
  });

  it('the backup succeeds, the copy holds back that object and the snapshot; once the fault is gone, target sync completes it', async () => {
    // The first pack of this backup that is PUT fails with 500 InternalError, every time it is tried.
    let bad: string | null = null;
    let removeFault: (() => void) | null = null;
    const push = proxy.requests.push.bind(proxy.requests);
    proxy.requests.push = (...recs: RecordedRequest[]): number => {
      for (const r of recs) {
        const m = r.method === 'PUT' ? DATA_PUT.exec(r.path) : null;
        if (m && bad === null) {
          bad = m[1]!;
          // Added before the proxy looks for a fault for this very request.
          removeFault = proxy.fault({ method: 'PUT', path: new RegExp(bad), action: { kind: 'respond', status: 500, code: 'InternalError', message: 'We encountered an internal error.' } });
        }
      }
      return push(...recs);
    };
    const src = makeTree(join(tmp.root, 'src'), { big: 24, minKiB: 1024, maxKiB: 2048 });
    const r = await h(['backup', src, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s2 = r.json<BackupDoc>().snapshot;
    expect(bad).not.toBeNull();
    const failedPuts = proxy.requests.filter((q) => q.method === 'PUT' && q.path.includes(bad!));
    expect(failedPuts.length).toBeGreaterThan(1); // retried
    expect(failedPuts.every((q) => q.status === 500)).toBe(true);
    expect(r.stderr).toMatch(/The copy on cloud is behind: \d+ object\(s\).*The cloud storage failed on data\/[0-9a-f]{12} \(500 InternalError\) after \d+ tries/s);

    const local = folderObjects(repo);
    expect(local.has(`data/${bad!}`)).toBe(true); // the repository itself has it all
    let inBucket = await expectBucketClean(bucket, 'pc/');
    expect(inBucket.has(`data/${bad!}`)).toBe(false);
    expect(inBucket.has(`snapshots/${s2}`)).toBe(false); // held back: it would be incomplete there
    expect([...inBucket].every((o) => local.has(o))).toBe(true);
    expect(await pendingOf(h, 'cloud')).toBeGreaterThanOrEqual(1);
    expect(await snapshotIds(h, ['--target', 'cloud'])).toEqual([s1]);

    // The server keeps failing on that object: a sync says so and sends nothing broken.
    const stillBad = await h(['target', 'sync', '--json']);
    expect(stillBad.code).toBe(1);
    expect(stillBad.json<SyncDoc>().targets[0]).toMatchObject({ target: 'cloud', error: { code: 'S3_SERVER_ERROR' } });
    expect((await expectBucketClean(bucket, 'pc/')).has(`snapshots/${s2}`)).toBe(false);

    removeFault!();
    const sync = await ok(h, ['target', 'sync', '--json']);
    expect(sync.json<SyncDoc>().targets[0]).toMatchObject({ target: 'cloud', pending: 0, error: null });
    inBucket = await expectBucketClean(bucket, 'pc/');
    expect([...inBucket].sort()).toEqual([...local].sort());
    expect(storedTwice(proxy.requests)).toEqual([]);
    expect(await snapshotIds(h, ['--target', 'cloud'])).toEqual([s1, s2].sort());
    expect((await ok(h, ['verify', '--target', 'cloud', '--read-data', '--json'])).json<VerifyDoc>().ok).toBe(true);
    await expectRestored(h, s2, src, join(tmp.root, 'out'), { args: ['--from', 'cloud'] });
  });
});
