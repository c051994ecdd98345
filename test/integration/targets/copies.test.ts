// A local repository with cloud copies (Object Lock buckets on the real radosgw), through the real
// `havre` CLI: a "together" copy is complete after each backup and reads like the repository
// itself; an "after" copy receives the same objects once the backup is written; a copy added to a
// repository with history is seeded and receives every old object; an unplugged drive gives way
// to the copy for reading, and refuses backups without losing anything.
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFaultProxy, type RecordedRequest } from '../../helpers/faultProxy.js';
import { createBucket, s3Fixture } from '../../s3/helpers.js';
import {
  addArgs, expectBucketClean, expectRestored, fails, folderObjects, havreFor, machineEnv, makeTree, ok, pendingOf, snapshotIds, tempRoot,
  type BackupDoc, type Havre, type SyncDoc, type TargetDoc, type VerifyDoc,
} from './helpers.js';

/** A machine with a local repository in `<root>/repo` and its own HAVRE_HOME. */
async function localMachine(root: string, name: string): Promise<{ havre: Havre; repo: string; env: Record<string, string> }> {
  const env = machineEnv(root, name);
  const havre = havreFor(env);
  const repo = join(root, `${name}-repo`);
  await ok(havre, ['init', '--repo', repo, '--json']);
  return { havre, repo, env };
}

async function backup(havre: Havre, src: string): Promise<BackupDoc & { stderr: string }> {
  const r = await ok(havre, ['backup', src, '--json']);
  return { ...r.json<BackupDoc>(), stderr: r.stderr };
}

describe('a local repository with a "together" cloud copy', () => {
  const tmp = tempRoot('havre-copies-');
  let m: Awaited<ReturnType<typeof localMachine>>;
  let bucket: string;
  let src: string;
  const snapshots: string[] = [];

  beforeAll(async () => {
    bucket = await createBucket({ lock: true });
    m = await localMachine(tmp.root, 'pc');
    const add = await ok(m.havre, addArgs(bucket, { prefix: 'pc-1' }));
    expect(add.json()).toMatchObject({ target: 'cloud', role: 'copy', timing: 'together', prefix: 'pc-1/', objectLock: true, lock: { mode: 'GOVERNANCE', days: 1 } });
    src = makeTree(join(tmp.root, 'src'), { big: 12, minKiB: 512, maxKiB: 2048 });
  });
  afterAll(() => tmp.cleanup());

  it('a backup leaves the copy complete: nothing pending, same snapshots, verified, restored byte for byte', async () => {
    const b = await backup(m.havre, src);
    snapshots.push(b.snapshot);
    expect(b.stderr).not.toMatch(/behind/);
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);
    expect(await snapshotIds(m.havre, ['--target', 'cloud'])).toEqual(await snapshotIds(m.havre));
    expect(await snapshotIds(m.havre, ['--target', 'cloud'])).toEqual([b.snapshot]);
    const v = await ok(m.havre, ['verify', '--target', 'cloud', '--read-data', '--json']);
    expect(v.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 1, problems: [] });
    expect(v.json<VerifyDoc>().packsRead).toBeGreaterThan(1);
    await expectRestored(m.havre, b.snapshot, src, join(tmp.root, 'out-1'), { args: ['--from', 'cloud'] });
  });

  it('the bucket holds exactly the repository’s objects, each once, each under Object Lock', async () => {
    const inBucket = await expectBucketClean(bucket, 'pc-1/', 'GOVERNANCE');
    expect([...inBucket].sort()).toEqual([...folderObjects(m.repo)].sort());
    expect([...inBucket].filter((o) => o.startsWith('data/')).length).toBeGreaterThan(1);
  });

  it('an incremental backup sends only what is new, and the copy stays a full replica', async () => {
    writeFileSync(join(src, 'docs', 'Été', 'note-0.txt'), 'changed\n');
    writeFileSync(join(src, 'new.bin'), Buffer.alloc(300_000, 7));
    const b = await backup(m.havre, src);
    snapshots.push(b.snapshot);
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);
    expect(await snapshotIds(m.havre, ['--target', 'cloud'])).toEqual([...snapshots].sort());
    const inBucket = await expectBucketClean(bucket, 'pc-1/', 'GOVERNANCE');
    expect([...inBucket].sort()).toEqual([...folderObjects(m.repo)].sort());
    await expectRestored(m.havre, b.snapshot, src, join(tmp.root, 'out-2'), { args: ['--from', 'cloud'] });
    const ls = await ok(m.havre, ['ls', b.snapshot, src, '--target', 'cloud', '--json']);
    expect(ls.stdout).toContain('new.bin');
  });

  describe('the drive holding the repository is unplugged', () => {
    let away: string;
    let bucketBefore: Set<string>;
    beforeAll(async () => {
      bucketBefore = await expectBucketClean(bucket, 'pc-1/');
      away = `${m.repo}-unplugged`;
      renameSync(m.repo, away);
    });
    afterAll(() => {
      if (!existsSync(m.repo) && existsSync(away)) renameSync(away, m.repo);
    });

    it('snapshots and restore read from the copy, and say so', async () => {
      const s = await ok(m.havre, ['snapshots', '--json']);
      expect(s.json<{ id: string }[]>().map((x) => x.id).sort()).toEqual([...snapshots].sort());
      expect(s.stderr).toMatch(/local cannot be reached; reading from cloud/);
      const r = await expectRestored(m.havre, 'latest', src, join(tmp.root, 'out-unplugged'));
      expect(r.stderr).toMatch(/local cannot be reached; reading from cloud/);
      const ls = await ok(m.havre, ['ls', snapshots[0]!, src, '-r', '--json']);
      expect(ls.stdout).toContain('blob-011.bin');
      expect(ls.stderr).toMatch(/reading from cloud/);
    });

    it('a backup fails with a clear error, and nothing is lost or half-written anywhere', async () => {
      writeFileSync(join(src, 'while-away.txt'), 'written while the drive was away\n');
      const e = await fails(m.havre, ['backup', src, '--json']);
      expect(e.code).toBe('REPO_NOT_FOUND');
      expect(e.stderr).toContain(m.repo);
      expect(existsSync(m.repo)).toBe(false); // not re-created empty on the mount point
      expect(await expectBucketClean(bucket, 'pc-1/')).toEqual(bucketBefore);
      expect(await pendingOf(m.havre, 'cloud')).toBe(0);
    });

    it('plugged back in, everything works: backup, copy up to date, both verified', async () => {
      renameSync(away, m.repo);
      const b = await backup(m.havre, src);
      snapshots.push(b.snapshot);
      expect(b.stderr).not.toMatch(/cannot be reached/);
      expect(await pendingOf(m.havre, 'cloud')).toBe(0);
      expect(await snapshotIds(m.havre)).toEqual([...snapshots].sort());
      expect(await snapshotIds(m.havre, ['--target', 'cloud'])).toEqual([...snapshots].sort());
      expect((await ok(m.havre, ['verify', '--json'])).json<VerifyDoc>().ok).toBe(true);
      expect((await ok(m.havre, ['verify', '--target', 'cloud', '--json'])).json<VerifyDoc>().ok).toBe(true);
      expect([...(await expectBucketClean(bucket, 'pc-1/'))].sort()).toEqual([...folderObjects(m.repo)].sort());
      await expectRestored(m.havre, b.snapshot, src, join(tmp.root, 'out-back'), { args: ['--from', 'cloud'] });
    });
  });
});

describe('an "after" cloud copy', () => {
  const tmp = tempRoot('havre-copies-after-');
  let m: Awaited<ReturnType<typeof localMachine>>;
  let bucket: string;
  let proxy: HttpFaultProxy;
  /** Each PUT of a repository object to the bucket, with how many snapshots the local repository held when it arrived. */
  const puts: { path: string; localSnapshots: number }[] = [];

  beforeAll(async () => {
    bucket = await createBucket({ lock: true });
    proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    m = await localMachine(tmp.root, 'pc');
    // Seen as each request arrives (the proxy records it synchronously): the local repository's state at that moment.
    const push = proxy.requests.push.bind(proxy.requests);
    proxy.requests.push = (...recs: RecordedRequest[]): number => {
      for (const r of recs) {
        if (r.method === 'PUT' && /\/(data|index|snapshots)\//.test(r.path)) puts.push({ path: r.path, localSnapshots: readdirSync(join(m.repo, 'snapshots')).length });
      }
      return push(...recs);
    };
    const add = await ok(m.havre, addArgs(bucket, { endpoint: proxy.url, prefix: 'pc-after', copy: 'after' }));
    expect(add.json()).toMatchObject({ target: 'cloud', role: 'copy', timing: 'after' });
  });
  afterAll(async () => {
    await proxy.close();
    tmp.cleanup();
  });

  it('objects go to the bucket only once the backup is written locally, and end the same as "together"', async () => {
    const src = makeTree(join(tmp.root, 'src'), { big: 8, minKiB: 512, maxKiB: 2048 });
    const b = await backup(m.havre, src);
    expect(b.stderr).toMatch(/Copy on cloud: \d+ object\(s\) sent .*; up to date/);
    expect(puts.length).toBeGreaterThan(2);
    // Every PUT came after the snapshot was in the local repository.
    expect(puts.filter((p) => p.localSnapshots < 1)).toEqual([]);
    // ...in write order: packs, then their index, then the snapshot last.
    const kinds = puts.map((p) => /\/(data|index|snapshots)\//.exec(p.path)![1]);
    expect(kinds.at(-1)).toBe('snapshots');
    expect(kinds.lastIndexOf('data')).toBeLessThan(kinds.indexOf('index'));
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);
    expect([...(await expectBucketClean(bucket, 'pc-after/'))].sort()).toEqual([...folderObjects(m.repo)].sort());
    expect(await snapshotIds(m.havre, ['--target', 'cloud'])).toEqual([b.snapshot]);
    expect((await ok(m.havre, ['verify', '--target', 'cloud', '--read-data', '--json'])).json<VerifyDoc>().ok).toBe(true);
    await expectRestored(m.havre, b.snapshot, src, join(tmp.root, 'out'), { args: ['--from', 'cloud'] });
  });

  it('for contrast, a "together" copy receives packs while the backup runs, before its snapshot exists', async () => {
    const bucket2 = await createBucket({ lock: true });
    const t = await localMachine(tmp.root, 'pc-together');
    const seen: { path: string; localSnapshots: number }[] = [];
    const p2 = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      const push = p2.requests.push.bind(p2.requests);
      p2.requests.push = (...recs: RecordedRequest[]): number => {
        for (const r of recs) if (r.method === 'PUT' && /\/(data|snapshots)\//.test(r.path)) seen.push({ path: r.path, localSnapshots: readdirSync(join(t.repo, 'snapshots')).length });
        return push(...recs);
      };
      await ok(t.havre, addArgs(bucket2, { endpoint: p2.url, prefix: 'pc-t', copy: 'together' }));
      const src = makeTree(join(tmp.root, 'src-t'), { big: 4 });
      await backup(t.havre, src);
      const data = seen.filter((s) => s.path.includes('/data/'));
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((s) => s.localSnapshots === 0)).toBe(true);
      expect(seen.at(-1)!.path).toMatch(/\/snapshots\//);
      expect([...(await expectBucketClean(bucket2, 'pc-t/'))].sort()).toEqual([...folderObjects(t.repo)].sort());
    } finally {
      await p2.close();
    }
  });
});

describe('copies added to a repository that already has history', () => {
  const tmp = tempRoot('havre-copies-history-');
  let m: Awaited<ReturnType<typeof localMachine>>;
  let src: string;
  const snapshots: string[] = [];
  const trees: string[] = [];

  beforeAll(async () => {
    m = await localMachine(tmp.root, 'pc');
    for (let i = 0; i < 3; i++) {
      const s = makeTree(join(tmp.root, `src-${i}`), { big: 3, seed: String(i) });
      trees.push(s);
      snapshots.push((await backup(m.havre, s)).snapshot);
    }
    src = trees[2]!;
  });
  afterAll(() => tmp.cleanup());

  it('target sync seeds a new copy and sends every old object; the oldest snapshot restores from it', async () => {
    const bucket = await createBucket({ lock: true });
    await ok(m.havre, addArgs(bucket, { prefix: 'old', name: 'offsite' }));
    const listed = (await ok(m.havre, ['target', 'list', '--json'])).json<{ targets: TargetDoc[] }>().targets;
    expect(listed.map((t) => [t.name, t.role, t.kind])).toEqual([['local', 'primary', 'fs'], ['offsite', 'copy', 's3']]);
    expect(listed[1]!.state).toBeUndefined(); // not listed yet: nothing known about it
    const r = await ok(m.havre, ['target', 'sync', '--json']);
    const doc = r.json<SyncDoc>();
    const local = folderObjects(m.repo);
    expect(doc.ok).toBe(true);
    expect(doc.targets).toEqual([expect.objectContaining({ target: 'offsite', sent: local.size, pending: 0, error: null })]);
    expect([...(await expectBucketClean(bucket, 'old/'))].sort()).toEqual([...local].sort());
    expect(await snapshotIds(m.havre, ['--target', 'offsite'])).toEqual([...snapshots].sort());
    await expectRestored(m.havre, snapshots[0]!, trees[0]!, join(tmp.root, 'out-oldest'), { args: ['--from', 'offsite'] });
    // A second sync has nothing to send.
    const again = (await ok(m.havre, ['target', 'sync', '--json'])).json<SyncDoc>();
    expect(again.targets[0]).toMatchObject({ sent: 0, pending: 0 });
  });

  it('a second copy added later is seeded by the next backup, which reaches both', async () => {
    const bucket = await createBucket({ lock: true });
    await ok(m.havre, addArgs(bucket, { prefix: 'second', name: 'cloud2' }));
    writeFileSync(join(src, 'after-adding.txt'), 'new\n');
    const b = await backup(m.havre, src);
    snapshots.push(b.snapshot);
    expect(await pendingOf(m.havre, 'offsite')).toBe(0);
    expect(await pendingOf(m.havre, 'cloud2')).toBe(0);
    const local = folderObjects(m.repo);
    expect([...(await expectBucketClean(bucket, 'second/'))].sort()).toEqual([...local].sort());
    expect(await snapshotIds(m.havre, ['--target', 'cloud2'])).toEqual([...snapshots].sort());
    expect(await snapshotIds(m.havre, ['--target', 'offsite'])).toEqual([...snapshots].sort());
    const v = await ok(m.havre, ['verify', '--target', 'cloud2', '--read-data', '--json']);
    expect(v.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 4 });
    await expectRestored(m.havre, snapshots[1]!, trees[1]!, join(tmp.root, 'out-cloud2'), { args: ['--from', 'cloud2'] });
  });
});
