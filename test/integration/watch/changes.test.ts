// The watcher on real folders with the real library (through its watch host process): what users
// do to files is reported, bursts included, and excluded folders are not even watched.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileWatcher } from '../../../src-main/engine/watch/index.js';
import { hostWatches, releaseAll, scratchRoot, until, watch, type TempDir, type Watched } from './harness.js';

let w: Watched;
let tmp: TempDir;
afterEach(releaseAll);

function setup(label: string): string {
  let root: string;
  ({ tmp, root } = scratchRoot(label));
  return root;
}

const NO_BURST_SIGNAL = { overflowBurst: 1e9 };

describe('changes under a watched folder', () => {
  it('reports a file created, written in place, saved atomically (temp file + rename) and deleted', async () => {
    const root = setup('save');
    w = await watch([root]);
    const doc = join(root, 'report.odt');
    writeFileSync(doc, 'v1');
    await until(() => w.last.has(doc), 'the new file');
    writeFileSync(doc, 'v2');
    await until(() => w.changes.filter((c) => c.path === doc).length >= 2, 'the write in place');
    // how editors save: write a temporary file beside it, then rename it over the document
    const tmpFile = join(root, '.~report.odt.tmp');
    writeFileSync(tmpFile, 'v3');
    const before = w.changes.length;
    renameSync(tmpFile, doc);
    await until(() => w.changes.slice(before).some((c) => c.path === doc && c.kind !== 'delete'), 'the atomic save, under the document’s own name');
    rmSync(doc);
    await until(() => w.last.get(doc) === 'delete', 'the deletion');
    expect(w.problems).toEqual([]);
  });

  it('reports every one of 10,000 files created as fast as possible in 500 new folders', async () => {
    const root = setup('burst-folders');
    w = await watch([root], NO_BURST_SIGNAL);
    const created: string[] = [];
    mkdirSync(join(root, 'unzipped'));
    for (let d = 0; d < 500; d++) {
      const dir = join(root, 'unzipped', `d${d}`);
      mkdirSync(dir);
      for (let f = 0; f < 20; f++) {
        const p = join(dir, `f${f}.txt`);
        writeFileSync(p, 'x');
        created.push(p);
      }
    }
    await until(() => created.every((p) => w.last.has(p)), 'every created file');
    // kinds are hints: a create and the write after it may come in two batches (create, then update)
    expect(created.filter((p) => !w.changes.some((c) => c.path === p && c.kind === 'create'))).toEqual([]);
    expect(w.problems).toEqual([]);
  });

  it('reports every one of 10,000 files created as fast as possible in one existing folder', async () => {
    const root = setup('burst-flat');
    mkdirSync(join(root, 'inbox'));
    w = await watch([root], NO_BURST_SIGNAL);
    const created = Array.from({ length: 10_000 }, (_, i) => join(root, 'inbox', `mail-${i}.eml`));
    for (const p of created) writeFileSync(p, 'x');
    await until(() => created.every((p) => w.last.has(p)), 'every created file');
    expect(w.problems).toEqual([]);
  });

  it('signals a burst past the threshold as WATCH_OVERFLOW with rescan, once it settles', async () => {
    const root = setup('burst-signal');
    w = await watch([root], { overflowBurst: 1000 });
    // Bursts of 3,000 files until the signal comes: on a loaded machine one burst may be spread
    // over more than a second and stay under the threshold (the signal is about rate, by design).
    for (let i = 0; i < 30_000 && w.problems.length === 0; i++) {
      writeFileSync(join(root, `f${i}`), 'x');
      if (i % 3000 === 2999) await new Promise((r) => setTimeout(r, 1500));
    }
    await until(() => w.problems.length > 0, 'the overflow signal');
    const p = w.problems[0]!;
    expect(p.error.code).toBe('WATCH_OVERFLOW');
    expect(p.rescan).toBe(true);
    expect(p.state).toBe('watching');
    expect(p.root).toBe(root);
    expect(p.error.userMessage('fr')).toContain('analyse de nouveau');
  });

  it('reports a folder tree moved in whole, and watches its deepest folder from then on', async () => {
    const root = setup('move-in');
    const outside = join(tmp.dir, 'Downloads', 'project');
    mkdirSync(join(outside, 'src', 'lib', 'deep'), { recursive: true });
    writeFileSync(join(outside, 'README'), 'x');
    writeFileSync(join(outside, 'src', 'lib', 'deep', 'a.c'), 'x');
    w = await watch([root]);
    renameSync(outside, join(root, 'project'));
    const moved = [join(root, 'project', 'README'), join(root, 'project', 'src', 'lib', 'deep', 'a.c'), join(root, 'project', 'src', 'lib', 'deep')];
    await until(() => moved.every((p) => w.last.get(p) === 'create'), 'the moved-in files and folders');
    // parcel alone would never watch src/lib/deep: it existed before the folder's watch
    const later = join(root, 'project', 'src', 'lib', 'deep', 'b.c');
    writeFileSync(later, 'x');
    await until(() => w.last.has(later), 'a file written later in the deepest folder');
  });

  it('follows a folder renamed inside the root: new names reported, subfolders still watched', async () => {
    const root = setup('rename');
    mkdirSync(join(root, 'Old', 'sub', 'subsub'), { recursive: true });
    writeFileSync(join(root, 'Old', 'sub', 'subsub', 'x.txt'), 'x');
    w = await watch([root]);
    renameSync(join(root, 'Old'), join(root, 'New'));
    await until(() => w.last.get(join(root, 'Old')) === 'delete' && w.last.get(join(root, 'New', 'sub', 'subsub', 'x.txt')) === 'create', 'the old name deleted, the contents under the new one');
    const later = join(root, 'New', 'sub', 'subsub', 'y.txt');
    writeFileSync(later, 'y');
    await until(() => w.last.has(later), 'a write in the renamed folder’s subfolder');
  });

  it('reports a folder replaced by a file of the same name, and a file replaced by a folder', async () => {
    const root = setup('replace');
    mkdirSync(join(root, 'thing'));
    writeFileSync(join(root, 'thing', 'inside.txt'), 'x');
    writeFileSync(join(root, 'other'), 'x');
    w = await watch([root]);
    rmSync(join(root, 'thing'), { recursive: true });
    writeFileSync(join(root, 'thing'), 'now a file');
    rmSync(join(root, 'other'));
    mkdirSync(join(root, 'other'));
    writeFileSync(join(root, 'other', 'early.txt'), 'written at once'); // before any watch on it
    await until(
      () => w.last.get(join(root, 'thing', 'inside.txt')) === 'delete' && w.last.has(join(root, 'thing')) && w.last.get(join(root, 'other', 'early.txt')) === 'create',
      'the folder’s file deleted, the new file, and the new folder’s file',
    );
    const later = join(root, 'other', 'later.txt');
    writeFileSync(later, 'x');
    await until(() => w.last.has(later), 'a file written later in the folder that replaced a file');
  });

  it('neither watches nor reports excluded folders (paths, globs, predicate)', async () => {
    const root = setup('ignore');
    for (let i = 0; i < 50; i++) mkdirSync(join(root, 'node_modules', `pkg${i}`, 'lib'), { recursive: true });
    mkdirSync(join(root, 'Private'));
    mkdirSync(join(root, 'work'));
    w = await watch([root], { ignore: { paths: [join(root, 'Private')], globs: ['**/node_modules', '**/*.tmp'], predicate: (p) => p.endsWith('.iso') } });
    const watches = hostWatches();
    expect(watches).toBeGreaterThan(0);
    expect(watches).toBeLessThan(20); // root, work, (twin shares them); not 101 folders of node_modules
    writeFileSync(join(root, 'node_modules', 'pkg1', 'lib', 'i.js'), 'x');
    writeFileSync(join(root, 'Private', 'secret.txt'), 'x');
    writeFileSync(join(root, 'work', 'draft.tmp'), 'x');
    writeFileSync(join(root, 'work', 'disk.iso'), 'x');
    mkdirSync(join(root, 'work', 'app', 'node_modules', 'x'), { recursive: true }); // a new folder holding an excluded one
    writeFileSync(join(root, 'work', 'app', 'node_modules', 'x', 'y.js'), 'x');
    writeFileSync(join(root, 'work', 'kept.txt'), 'x');
    await until(() => w.last.has(join(root, 'work', 'kept.txt')) && w.last.has(join(root, 'work', 'app')), 'the file and folder that are not excluded');
    await new Promise((r) => setTimeout(r, 1000)); // give excluded paths every chance to show up
    const reported = [...w.last.keys()].map((p) => p.slice(root.length + 1)).sort();
    expect(reported).toEqual(['work/app', 'work/kept.txt']);
  });

  it('refuses a root or an ignored path that is not absolute (bad input)', async () => {
    await expect(FileWatcher.start({ roots: ['Documents'] }, () => {})).rejects.toThrow(/absolute/);
  });

  it('says a root that does not exist yet is gone, then watches it once it appears', async () => {
    const root = setup('late');
    const late = join(root, 'USB');
    w = await watch([late]);
    expect(w.problems.map((p) => [p.error.code, p.state, p.rescan])).toEqual([['WATCH_ROOT_GONE', 'stopped', false]]);
    expect(w.watcher.status()).toEqual([{ root: late, state: 'stopped' }]);
    mkdirSync(late);
    await until(() => w.states.some((s) => s.state === 'watching' && s.rescan), 'the root watched, with a rescan');
    writeFileSync(join(late, 'photo.jpg'), 'x');
    await until(() => w.last.has(join(late, 'photo.jpg')), 'a file in the root that appeared');
  });
});

