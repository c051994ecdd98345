// A long-running engine unlocked by password derives SECRET once (RememberedSecret): repeated
// opens read the key records once, a wrong password is refused every time and never remembered,
// and forget() makes the next open derive again.
import { afterEach, describe, expect, it } from 'vitest';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import { RememberedSecret, Repository } from '../../../src-main/engine/repo/index.js';
import { FsStore, type ByteRange, type ObjectKind } from '../../../src-main/engine/store/index.js';
import { ForwardingStore } from '../../helpers/forwardingStore.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

class CountingStore extends ForwardingStore {
  keyReads = 0;
  override get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    if (kind === 'keys') this.keyReads++;
    return super.get(kind, name, range);
  }
}

describe('RememberedSecret', () => {
  let f: RepoFixture;
  afterEach(() => f.cleanup());

  it('derives once for many opens, opens the same repository each time, derives again after forget()', async () => {
    f = newRepo();
    const store = new CountingStore(await FsStore.open(f.repo));
    const remembered = new RememberedSecret(() => store, { password: f.password });
    const ids: string[] = [];
    const via: string[] = [];
    for (let i = 0; i < 3; i++) {
      const repo = await Repository.open(store, { home: f.home, credentials: { source: remembered } });
      ids.push(repo.config.repoId);
      via.push(repo.unlockedVia);
      repo.close();
    }
    expect(via).toEqual(['password', 'remembered', 'remembered']); // one person's unlock, then the engine's own
    expect(new Set(ids).size).toBe(1);
    const afterThree = store.keyReads;
    expect(afterThree).toBeGreaterThan(0);
    remembered.forget();
    (await Repository.open(store, { home: f.home, credentials: { source: remembered } })).close();
    expect(store.keyReads).toBe(afterThree * 2); // the records were read (and SECRET derived) once more
  });

  it('a wrong password fails every time with WRONG_PASSWORD and is never remembered', async () => {
    f = newRepo();
    const store = new CountingStore(await FsStore.open(f.repo));
    const remembered = new RememberedSecret(() => store, { password: 'not the password' });
    for (let i = 0; i < 2; i++) {
      const err = await Repository.open(store, { home: f.home, credentials: { source: remembered } }).catch((e: unknown) => e);
      expect(isHavreError(err) && err.code).toBe('WRONG_PASSWORD');
    }
  });

  it('is only used where a key derivation is at stake', () => {
    expect(RememberedSecret.worthIt({ password: 'x' })).toBe(true);
    expect(RememberedSecret.worthIt({ recoveryKey: 'x' })).toBe(true);
    expect(RememberedSecret.worthIt({ keychain: null })).toBe(false);
    expect(RememberedSecret.worthIt({ source: { unlock: async () => ({ secret: Buffer.alloc(32), via: 'appliance-machine' }) } })).toBe(false);
  });
});
