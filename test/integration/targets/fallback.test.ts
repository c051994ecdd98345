// Reading falls back to a copy when the primary's object is damaged, through the real `havre` CLI:
// a pack with one flipped byte on the local disk still restores byte for byte (the blob comes from
// the cloud copy), verify reports the damage on the primary all the same, and a new copy is seeded
// from intact bytes only (damage never spreads from one target to another).
import { openSync, readSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket } from '../../s3/helpers.js';
import {
  addArgs, expectBucketClean, expectRestored, folderObjects, havreFor, machineEnv, makeTree, ok, ofKind, snapshotIds, tempRoot,
  type BackupDoc, type Havre, type SyncDoc, type VerifyDoc,
} from './helpers.js';

/** Flips one byte in the middle of a file; returns the offset. */
function flipByte(path: string): number {
  const offset = Math.floor(statSync(path).size / 2);
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0x5a;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
  return offset;
}

const packPath = (repo: string, name: string): string => join(repo, 'data', name.slice(0, 2), name);

describe('a damaged pack on the local primary, with a cloud copy', () => {
  const tmp = tempRoot('havre-fallback-');
  let h: Havre;
  let repo: string;
  let bucket: string;
  let src: string;
  let snap: string;
  let damaged: string;

  beforeAll(async () => {
    h = havreFor(machineEnv(tmp.root, 'pc'));
    repo = join(tmp.root, 'repo');
    await ok(h, ['init', '--repo', repo, '--json']);
    bucket = await createBucket({ lock: true });
    await ok(h, addArgs(bucket, { prefix: 'pc' }));
    src = makeTree(join(tmp.root, 'src'), { big: 10, minKiB: 512, maxKiB: 1536 });
    snap = (await ok(h, ['backup', src, '--json'])).json<BackupDoc>().snapshot;
    expect([...(await expectBucketClean(bucket, 'pc/'))].sort()).toEqual([...folderObjects(repo)].sort());
    // The biggest pack holds file contents: one byte flipped inside it breaks a blob.
    damaged = ofKind(folderObjects(repo), 'data').sort((a, b) => statSync(packPath(repo, b)).size - statSync(packPath(repo, a)).size)[0]!;
    flipByte(packPath(repo, damaged));
  });
  afterAll(() => tmp.cleanup());

  it('restore still gives back every byte, reading the damaged blob from the copy', async () => {
    await expectRestored(h, snap, src, join(tmp.root, 'out'));
  });

  it('verify reports the damage on the primary; the copy alone verifies clean', async () => {
    const v = await h(['verify', '--read-data', '--json']);
    expect(v.code).toBe(1);
    const doc = v.json<VerifyDoc & { affected: { snapshot: string; path: string }[] }>();
    expect(doc.ok).toBe(false);
    expect(doc.problems.some((p) => p.kind === 'pack' && p.object.startsWith(damaged.slice(0, 16)))).toBe(true);
    expect(doc.affected.length).toBeGreaterThan(0);
    const c = await ok(h, ['verify', '--target', 'cloud', '--read-data', '--json']);
    expect(c.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 1, problems: [] });
  });

  it('a copy added now is seeded from intact bytes only: the pack comes from the other copy, not the damaged disk', async () => {
    const second = await createBucket({ lock: true });
    await ok(h, addArgs(second, { prefix: 'pc', name: 'cloud2' }));
    const r = await ok(h, ['target', 'sync', '--json']);
    expect(r.json<SyncDoc>().targets).toEqual(expect.arrayContaining([expect.objectContaining({ target: 'cloud2', pending: 0, error: null })]));
    const inSecond = await expectBucketClean(second, 'pc/');
    expect([...inSecond].sort()).toEqual([...folderObjects(repo)].sort());
    expect((await ok(h, ['verify', '--target', 'cloud2', '--read-data', '--json'])).json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 1 });
    await expectRestored(h, snap, src, join(tmp.root, 'out-cloud2'), { args: ['--from', 'cloud2'] });
  });

  it('a damaged snapshot object on the primary is read from the copy', async () => {
    flipByte(join(repo, 'snapshots', snap));
    expect(await snapshotIds(h)).toEqual([snap]);
    await expectRestored(h, snap, src, join(tmp.root, 'out-snapshot'));
  });
});
