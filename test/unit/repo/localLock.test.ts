import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalLock } from '../../../src-main/engine/repo/LocalLock.js';

describe('LocalLock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havre-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder while the first lives, naming the lock file', async () => {
    const file = join(dir, 'a.lock');
    const first = await LocalLock.acquire(file, 'backup');
    // A live process other than us holds it: pid 1 (init) is always alive.
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'h', purpose: 'backup', since: 'now' }));
    await expect(LocalLock.acquire(file, 'prune')).rejects.toMatchObject({ code: 'LOCKED_BY_PROCESS', params: { file } });
    await first.release();
  });

  it('takes over a lock whose process is gone, or a half-written one', async () => {
    const file = join(dir, 'b.lock');
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, host: 'h', purpose: 'backup', since: 'then' }));
    const l = await LocalLock.acquire(file, 'backup');
    await l.release();
    writeFileSync(file, '{"pid": 12');
    await (await LocalLock.acquire(file, 'backup')).release();
  });
});
