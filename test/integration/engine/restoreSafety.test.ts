import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRestore } from '../../../src-main/engine/jobs/index.js';
import type { Repository } from '../../../src-main/engine/repo/index.js';
import { dirNode, fileNode, forgeSnapshot, META, openRepo, putTree } from '../../helpers/forge.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

/** Restore never writes outside its target (DESIGN.md §6, invariant 3), whatever a snapshot says. */
describe('restore of forged snapshots stays inside its target', () => {
  let f: RepoFixture;
  let repo: Repository;
  let outside: string;

  beforeAll(async () => {
    f = newRepo();
    repo = await openRepo(f);
    outside = join(f.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim.txt'), 'original');
  });
  afterAll(() => {
    repo.close();
    f.cleanup();
  });

  const untouched = (): void => {
    expect(readdirSync(outside)).toEqual(['victim.txt']);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('original');
  };

  for (const name of ['..', '.', '', '../outside/victim.txt', '/etc/passwd', 'a/b', 'nul\0byte']) {
    it(`refuses a node named ${JSON.stringify(name)}`, async () => {
      const snap = await forgeSnapshot(repo, [await dirNode(repo, 'd', [await fileNode(repo, name, 'pwned')])]);
      const target = join(f.dir, `t-${Buffer.from(name).toString('hex')}`);
      const r = await runRestore(repo, { snapshot: snap, target });
      expect(r.failed.length).toBe(1);
      expect(r.failed[0]!.code).toBe('INTEGRITY');
      expect(r.files).toBe(0);
      untouched();
      expect(existsSync(join(f.dir, 'victim.txt'))).toBe(false);
    });
  }

  it('refuses a tree that names the same entry twice (a link and a folder of one name)', async () => {
    const snap = await forgeSnapshot(repo, [
      { name: 'x', type: 'symlink', ...META, target: outside },
      await dirNode(repo, 'x', [await fileNode(repo, 'victim.txt', 'pwned')]),
    ], { keepOrder: true });
    // The root tree itself is refused, so nothing at all is restored.
    await expect(runRestore(repo, { snapshot: snap, target: join(f.dir, 't-dup') })).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(readdirSync(join(f.dir, 't-dup'))).toEqual([]);
    untouched();
  });

  it('a link restored first never carries a later restore outside (symlinked parent)', async () => {
    const target = join(f.dir, 't-two-steps');
    const first = await forgeSnapshot(repo, [{ name: 'x', type: 'symlink', ...META, target: outside }]);
    expect((await runRestore(repo, { snapshot: first, target })).symlinks).toBe(1);
    const second = await forgeSnapshot(repo, [await dirNode(repo, 'x', [await fileNode(repo, 'victim.txt', 'pwned'), await fileNode(repo, 'new.txt', 'pwned')])]);
    const r = await runRestore(repo, { snapshot: second, target, conflict: 'overwrite' });
    expect(r.failed.map((x) => x.code)).toContain('UNSAFE_PATH');
    expect(r.files).toBe(0);
    untouched();
  });

  it('a symbolic link planted in the target is not followed', async () => {
    const target = join(f.dir, 't-planted');
    mkdirSync(target);
    symlinkSync(outside, join(target, 'docs'));
    const snap = await forgeSnapshot(repo, [await dirNode(repo, 'docs', [await fileNode(repo, 'victim.txt', 'pwned')])]);
    const r = await runRestore(repo, { snapshot: snap, target, conflict: 'overwrite' });
    expect(r.failed.map((x) => x.code)).toEqual(['UNSAFE_PATH']);
    untouched();
  });

  it('overwriting a file that is a link, or a hard link to outside, replaces the entry, never writes through it', async () => {
    const target = join(f.dir, 't-links');
    mkdirSync(target);
    symlinkSync(join(outside, 'victim.txt'), join(target, 'soft.txt'));
    linkSync(join(outside, 'victim.txt'), join(target, 'hard.txt'));
    const snap = await forgeSnapshot(repo, [await fileNode(repo, 'soft.txt', 'new soft'), await fileNode(repo, 'hard.txt', 'new hard')]);
    const r = await runRestore(repo, { snapshot: snap, target, conflict: 'overwrite' });
    expect(r.failed).toEqual([]);
    expect(r.files).toBe(2);
    expect(lstatSync(join(target, 'soft.txt')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(target, 'soft.txt'), 'utf8')).toBe('new soft');
    expect(readFileSync(join(target, 'hard.txt'), 'utf8')).toBe('new hard');
    untouched();
  });

  it('a snapshot whose tree names a subtree that does not exist fails that folder only', async () => {
    const missing = 'ab'.repeat(32);
    const snap = await forgeSnapshot(repo, [
      { name: 'gone', type: 'dir', ...META, subtree: missing },
      await fileNode(repo, 'fine.txt', 'fine'),
    ]);
    const target = join(f.dir, 't-missing');
    const r = await runRestore(repo, { snapshot: snap, target });
    expect(r.failed.map((x) => x.code)).toEqual(['BLOB_MISSING']);
    expect(readFileSync(join(target, 'fine.txt'), 'utf8')).toBe('fine');
  });

  it('a file whose content does not add up to its recorded size is not written', async () => {
    const node = { ...(await fileNode(repo, 'liar.txt', 'short')), size: 999 };
    const snap = await forgeSnapshot(repo, [node]);
    const target = join(f.dir, 't-size');
    const r = await runRestore(repo, { snapshot: snap, target });
    expect(r.failed.map((x) => x.code)).toEqual(['INTEGRITY']);
    expect(readdirSync(target)).toEqual([]);
  });

  it('keeps a forged tree with a bad field from being decoded at all', async () => {
    for (const bad of [{ name: 'f', type: 'file', ...META, size: -1, content: [] }, { name: 'f', type: 'device', ...META }, { name: 'f', type: 'file', ...META, mode: 0o170000, size: 0, content: [] }]) {
      const tree = await putTree(repo, [bad]);
      await expect(repo.loadTree(tree)).rejects.toMatchObject({ code: 'INTEGRITY' });
    }
  });
});
