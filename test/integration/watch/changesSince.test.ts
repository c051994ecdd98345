// What changed while Havre was not running, from a snapshot (on Linux, parcel crawls the tree and
// compares mtimes: README.md, "Changes while stopped").
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import { changesSince, writeChangeSnapshot } from '../../../src-main/engine/watch/index.js';
import { releaseAll, tempRoot, watch, type TempDir } from './harness.js';

let tmp: TempDir;
afterEach(releaseAll);

function setup(): { root: string; snap: string } {
  tmp = tempRoot('since');
  const root = join(tmp.dir, 'Documents');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  mkdirSync(join(root, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(root, 'kept.txt'), 'x');
  writeFileSync(join(root, 'edited.txt'), 'x');
  writeFileSync(join(root, 'a', 'b', 'removed.txt'), 'x');
  return { root, snap: join(tmp.dir, 'home', 'watch-snapshot') };
}

describe('changesSince', () => {
  it('reports what was created, modified and deleted after the snapshot, and nothing else', async () => {
    const { root, snap } = setup();
    mkdirSync(join(tmp.dir, 'home'));
    const ignore = { globs: ['**/node_modules'] };
    await writeChangeSnapshot(root, snap, ignore);
    expect(statSync(snap).mode & 0o777).toBe(0o600); // it lists the tree's paths: as private as the catalog
    writeFileSync(join(root, 'a', 'new.txt'), 'x');
    writeFileSync(join(root, 'edited.txt'), 'changed');
    utimesSync(join(root, 'edited.txt'), new Date(), new Date(Date.now() + 5000)); // mtime surely moves
    rmSync(join(root, 'a', 'b', 'removed.txt'));
    writeFileSync(join(root, 'node_modules', 'x', 'ignored.js'), 'x');
    const r = await changesSince(root, snap, ignore);
    expect(r?.method).toBe('crawl');
    const got = Object.fromEntries((r?.changes ?? []).map((c) => [c.path.slice(root.length + 1), c.kind]));
    expect(got).toEqual({ 'a/new.txt': 'create', 'edited.txt': 'update', 'a/b/removed.txt': 'delete' });
  });

  it('writes the snapshot from the live tree while a watcher runs, and it is still right afterwards', async () => {
    const { root, snap } = setup();
    mkdirSync(join(tmp.dir, 'home'));
    const w = await watch([root]);
    await writeChangeSnapshot(root, snap);
    await w.close();
    writeFileSync(join(root, 'after.txt'), 'x');
    const r = await changesSince(root, snap);
    expect(r?.changes).toEqual([{ path: join(root, 'after.txt'), kind: 'create' }]);
  });

  it('answers null without a snapshot (scan everything), never "no change"', async () => {
    const { root } = setup();
    expect(await changesSince(root, join(tmp.dir, 'missing-snapshot'))).toBeNull();
  });

  it('bad input: a root that is gone is WATCH_ROOT_GONE; a snapshot file that cannot be written fails cleanly', async () => {
    const { root, snap } = setup();
    mkdirSync(join(tmp.dir, 'home'));
    await writeChangeSnapshot(root, snap);
    rmSync(root, { recursive: true });
    const e = await changesSince(root, snap).catch((x: unknown) => x);
    expect(isHavreError(e, 'WATCH_ROOT_GONE')).toBe(true);
    mkdirSync(root);
    const e2 = await writeChangeSnapshot(root, join(tmp.dir, 'no-such-folder', 'snap')).catch((x: unknown) => x);
    expect(isHavreError(e2)).toBe(true);
    expect(readFileSync(snap).length).toBeGreaterThan(0); // the earlier snapshot is untouched
  });
});
