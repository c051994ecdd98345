import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsStore, objectName } from '../../../src-main/engine/store/index.js';

describe('FsStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havre-fsstore-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores immutable objects: put twice is a no-op, ranges read, names must be hashes', async () => {
    const s = await FsStore.create(join(dir, 'r1'));
    writeFileSync(join(dir, 'r1', 'config', '0'.repeat(64)), '{}'); // so the folder counts as present
    const bytes = randomBytes(1000);
    const name = objectName(bytes);
    await s.put('data', name, bytes);
    await s.put('data', name, bytes);
    expect((await s.get('data', name)).equals(bytes)).toBe(true);
    expect((await s.get('data', name, { offset: 10, length: 20 })).equals(bytes.subarray(10, 30))).toBe(true);
    expect(await s.head('data', name)).toEqual({ name, size: 1000 });
    expect((await s.list('data')).map((o) => o.name)).toEqual([name]);
    await expect(s.get('data', '../../etc/passwd')).rejects.toMatchObject({ code: 'INTEGRITY' });
    await expect(s.get('data', 'ab'.repeat(32))).rejects.toMatchObject({ code: 'OBJECT_MISSING' });
    await s.requestDelete('data', name);
    expect(await s.head('data', name)).toBeNull();
  });

  it('removes temporary files of old interrupted writes, and only those', async () => {
    const s = await FsStore.create(join(dir, 'r2'));
    const old = join(dir, 'r2', 'index', '.tmp-old');
    const fresh = join(dir, 'r2', 'index', '.tmp-fresh');
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'y');
    utimesSync(old, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    expect(await s.cleanup(3600_000)).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(readdirSync(join(dir, 'r2', 'index'))).toEqual(['.tmp-fresh']);
  });

  it('tells a missing folder, an unplugged drive and a non-repository apart', async () => {
    await expect(FsStore.open(join(dir, 'nope'))).rejects.toMatchObject({ code: 'REPO_NOT_FOUND' });
    const s = await FsStore.create(join(dir, 'r3'));
    expect(await s.list('config')).toEqual([]);
    // The drive is gone: the folder is there (mount point) but empty.
    rmSync(join(dir, 'r3'), { recursive: true });
    writeFileSync(join(dir, 'r3-file'), '');
    await expect(s.list('data')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
