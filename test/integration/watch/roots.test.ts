// The watched folder itself going away: deleted, renamed, replaced by a file, its drive unmounted.
// Each gives WATCH_ROOT_GONE (stopped, nothing to rescan yet), and the folder is watched again,
// with a rescan, when it is back; nothing is reported under its path meanwhile.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pause, releaseAll, scratchRoot, tempRoot, until, watch, watchHosts, type TempDir, type Watched } from './harness.js';

let w: Watched;
let tmp: TempDir;
afterEach(releaseAll);

/** Documents/sub/deeper/a.txt */
function setup(label: string): string {
  let root: string;
  ({ tmp, root } = scratchRoot(label));
  mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(root, 'sub', 'deeper', 'a.txt'), 'x');
  return root;
}

const gone = (x: Watched) => x.problems.filter((p) => p.error.code === 'WATCH_ROOT_GONE');

describe('the watched folder itself', () => {
  it('deleted: its files are reported deleted, then WATCH_ROOT_GONE; recreated: watched again with a rescan', async () => {
    const root = setup('deleted');
    w = await watch([root]);
    rmSync(root, { recursive: true });
    await until(() => gone(w).length === 1, 'WATCH_ROOT_GONE');
    const p = gone(w)[0]!;
    expect([p.root, p.state, p.rescan, p.error.params.reason]).toEqual([root, 'stopped', false, 'not found']);
    expect(p.error.userMessage('en')).toContain('Nothing already backed up is lost');
    expect(p.error.userMessage('fr')).toContain('Rien de ce qui est déjà sauvegardé n’est perdu');
    // the deletions inside came first
    const at = w.log.indexOf('problem WATCH_ROOT_GONE stopped');
    expect(w.log.slice(0, at)).toContain(`delete ${join(root, 'sub', 'deeper', 'a.txt')}`);
    expect(w.watcher.status()[0]!.state).toBe('stopped');

    mkdirSync(root);
    await until(() => w.states.some((s) => s.root === root && s.state === 'watching' && s.rescan), 'watched again, with a rescan');
    writeFileSync(join(root, 'new.txt'), 'x');
    await until(() => w.last.has(join(root, 'new.txt')), 'a file in the recreated folder');
    expect(gone(w)).toHaveLength(1); // said once, not at every check
  });

  it('renamed: WATCH_ROOT_GONE, and nothing done in the renamed folder is reported under the old path', async () => {
    const root = setup('renamed');
    w = await watch([root]);
    const elsewhere = join(tmp.dir, 'Documents (old)');
    renameSync(root, elsewhere);
    await until(() => gone(w).length === 1, 'WATCH_ROOT_GONE');
    const n = w.changes.length;
    writeFileSync(join(elsewhere, 'sub', 'deeper', 'b.txt'), 'x'); // parcel alone would report it as Documents/sub/deeper/b.txt
    writeFileSync(join(elsewhere, 'c.txt'), 'x');
    await pause(1500);
    expect(w.changes.slice(n)).toEqual([]);
  });

  it('replaced by a file of the same name: WATCH_ROOT_GONE, "replaced by a file"', async () => {
    const root = setup('file');
    w = await watch([root]);
    rmSync(root, { recursive: true });
    writeFileSync(root, 'not a folder any more');
    await until(() => gone(w).length === 1, 'WATCH_ROOT_GONE');
    // the check may run between the two steps and see nothing at all
    expect(['replaced by a file', 'not found']).toContain(gone(w)[0]!.error.params.reason);
    await pause(1000);
    expect(w.watcher.status()[0]!.state).toBe('stopped');
    rmSync(root);
    mkdirSync(root);
    await until(() => w.watcher.status()[0]!.state === 'watching', 'watched again once a folder is back');
  });

  it('on a drive that is unmounted (a USB key pulled out): WATCH_ROOT_GONE, and back when it is mounted again', async (ctx) => {
    tmp = tempRoot('unmount');
    const mnt = join(tmp.dir, 'usb');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      console.warn(`unmount test skipped: cannot mount a tmpfs here (needs root): ${(e as Error).message.split('\n')[0]}`);
      return ctx.skip();
    }
    try {
      const root = join(mnt, 'Photos');
      mkdirSync(root);
      w = await watch([root]);
      // inotify says nothing when a file system goes away under a watch: only the periodic check sees it
      execFileSync('umount', ['-l', mnt]);
      await until(() => gone(w).length === 1, 'WATCH_ROOT_GONE after the unmount');
      expect(gone(w)[0]!.state).toBe('stopped');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
      mkdirSync(root);
      await until(() => w.states.some((s) => s.state === 'watching' && s.rescan), 'watched again once mounted');
      writeFileSync(join(root, 'IMG_0001.jpg'), 'x');
      await until(() => w.last.has(join(root, 'IMG_0001.jpg')), 'a photo on the drive mounted again');
    } finally {
      await w?.close(); // before the unmount below
      try {
        execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
      } catch {
        // already unmounted
      }
    }
  });

  it('the watch process killed: WATCH_FAILED (stopped, rescan) for every root, then a new one watches them', async () => {
    const root = setup('host-killed');
    w = await watch([root]);
    const hosts = watchHosts();
    expect(hosts).toHaveLength(1);
    process.kill(hosts[0]!, 'SIGKILL');
    await until(() => w.problems.some((p) => p.error.code === 'WATCH_FAILED'), 'WATCH_FAILED');
    expect(w.problems.map((p) => [p.error.code, p.state, p.rescan])).toEqual([['WATCH_FAILED', 'stopped', true]]);
    expect(w.problems[0]!.error.params.reason).toContain('SIGKILL');
    await until(() => w.states.some((s) => s.state === 'watching' && s.rescan), 'watched again by a new watch process');
    writeFileSync(join(root, 'after.txt'), 'x');
    await until(() => w.last.has(join(root, 'after.txt')), 'a change seen by the new watch process');
    expect(watchHosts()).toHaveLength(1);
  });

  it('with two roots, one going away leaves the other watched without a gap', async () => {
    tmp = tempRoot('two');
    const a = join(tmp.dir, 'A');
    const b = join(tmp.dir, 'B');
    mkdirSync(a);
    mkdirSync(b);
    w = await watch([a, b]);
    rmSync(a, { recursive: true });
    await until(() => gone(w).length === 1, 'A gone');
    mkdirSync(a); // A back: a fresh watch process takes over both roots
    await until(() => w.states.some((s) => s.root === a && s.state === 'watching'), 'A watched again');
    expect(w.states.filter((s) => s.root === b)).toEqual([]); // B never stopped, so no rescan asked
    writeFileSync(join(b, 'b.txt'), 'x');
    await until(() => w.last.has(join(b, 'b.txt')), 'B still reported');
    expect(w.watcher.status().map((s) => s.state)).toEqual(['watching', 'watching']);
  });
});

