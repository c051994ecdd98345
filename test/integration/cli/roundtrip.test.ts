import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, writeSync, ftruncateSync, statSync, symlinkSync, utimesSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { describeTree } from '../../helpers/trees.js';

const NAMES = [
  'plain.txt', 'with space.txt', '-leading-dash', '.hidden', 'trailing.', 'café-nfc.txt', 'cafe\u0301-nfd.txt',
  '日本語のファイル.txt', '中文文件.doc', '한국어.txt', 'مرحبا بالعالم.txt', 'שלום.txt', 'Ελληνικά.txt', 'Русский.txt',
  'हिन्दी.txt', 'ไทย.txt', 'emoji 🎉🚀.txt', 'zwj 👩‍👩‍👧.txt', 'line\nbreak.txt', 'tab\tname', 'quote"\'`$(x).txt', 'x'.repeat(240),
];

function makeSource(root: string): void {
  mkdirSync(join(root, 'names'), { recursive: true });
  NAMES.forEach((n, i) => writeFileSync(join(root, 'names', n), `content of ${i} ${n}\n`));
  writeFileSync(join(root, 'empty-file'), '');
  mkdirSync(join(root, 'empty-folder'));
  mkdirSync(join(root, 'empty-folder-700'), { mode: 0o700 });
  writeFileSync(join(root, 'random-3MiB.bin'), randomBytes(3 * 1024 * 1024 + 17));
  writeFileSync(join(root, 'text-5MiB.txt'), 'Lorem ipsum dolor sit amet, havre backup\n'.repeat(130_000));
  writeFileSync(join(root, 'one-byte'), 'x');
  writeFileSync(join(root, 'exec.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(root, 'private'), 'secret-ish', { mode: 0o600 });
  writeFileSync(join(root, 'readonly'), 'ro');
  chmodSync(join(root, 'readonly'), 0o444);
  symlinkSync('plain-target-does-not-exist', join(root, 'dangling-link'));
  symlinkSync('/etc/hostname', join(root, 'absolute-link'));
  symlinkSync('names/plain.txt', join(root, 'relative-link'));
  let deep = join(root, 'deep');
  for (let i = 0; i < 40; i++) deep = join(deep, `level-${i}`);
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'bottom.txt'), 'the bottom\n');
  // A sparse file of 2 GiB with 1 MiB of data in the middle.
  const fd = openSync(join(root, 'sparse-2GiB.img'), 'w');
  ftruncateSync(fd, 2 * 1024 ** 3);
  writeSync(fd, randomBytes(1024 * 1024), 0, 1024 * 1024, 1024 ** 3);
  closeSync(fd);
  utimesSync(join(root, 'one-byte'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
}

describe('backup and restore round trip through the CLI', () => {
  let f: RepoFixture;
  let src: string;
  let first: string;

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'src');
    makeSource(src);
    const r = await f.havre(['backup', src, '--json']);
    expect(r.code, r.stderr).toBe(0);
    first = r.json<{ snapshot: string }>().snapshot;
  });
  afterAll(() => f.cleanup());

  it('restores a byte-identical tree: names in many scripts, modes, links, empty and deep folders, sparse file', async () => {
    const target = join(f.dir, 'restored');
    const r = await f.havre(['restore', first, '--target', target, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const before = await describeTree(src);
    const after = await describeTree(join(target, src));
    expect(after.size).toBe(before.size);
    expect([...after.entries()]).toEqual([...before.entries()]);
    // The sparse file comes back sparse, not as 2 GiB of written zeros.
    const st = statSync(join(target, src, 'sparse-2GiB.img'));
    expect(st.size).toBe(2 * 1024 ** 3);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
  });

  it('stores the 2 GiB sparse file once: identical zero chunks are deduplicated', async () => {
    const s = await f.havre(['status', '--json']);
    expect(s.json<{ storedBytes: number }>().storedBytes).toBeLessThan(40 * 1024 * 1024);
  });

  it('skips unchanged files on the next backup and stores nothing new', async () => {
    const r = await f.havre(['backup', src, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ unchangedFiles: number; summary: { files: number; addedBytes: number } }>();
    expect(doc.unchangedFiles).toBe(doc.summary.files);
    // No file content is new; only the trees of the parents outside the source (/tmp, whose
    // mtime moves as other tests write there) may be.
    expect(doc.summary.addedBytes).toBeLessThan(4096);
  });

  it('keeps every version: an older snapshot restores the older bytes', async () => {
    writeFileSync(join(src, 'names', 'plain.txt'), 'version two\n');
    const r = await f.havre(['backup', src, '--json']);
    expect(r.code).toBe(0);
    const target = join(f.dir, 'v1');
    const path = join(src, 'names', 'plain.txt');
    expect((await f.havre(['restore', first, '--target', target, '--path', path])).code).toBe(0);
    expect(readFileSync(join(target, 'plain.txt'), 'utf8')).toBe('content of 0 plain.txt\n');
    const latest = join(f.dir, 'v2');
    expect((await f.havre(['restore', 'latest', '--target', latest, '--path', path])).code).toBe(0);
    expect(readFileSync(join(latest, 'plain.txt'), 'utf8')).toBe('version two\n');
  });

  it('honours the conflict modes against an existing different file', async () => {
    const path = join(src, 'names', 'plain.txt');
    const target = join(f.dir, 'conflict');
    mkdirSync(target);
    writeFileSync(join(target, 'plain.txt'), 'local edit\n');
    const skip = await f.havre(['restore', first, '--target', target, '--path', path, '--conflict', 'skip', '--json']);
    expect(skip.json<{ skipped: unknown[] }>().skipped).toHaveLength(1);
    expect(readFileSync(join(target, 'plain.txt'), 'utf8')).toBe('local edit\n');
    const both = await f.havre(['restore', first, '--target', target, '--path', path, '--conflict', 'keep-both', '--json']);
    const renamed = both.json<{ renamed: { as: string }[] }>().renamed;
    expect(renamed).toHaveLength(1);
    expect(readFileSync(join(target, renamed[0]!.as), 'utf8')).toBe('content of 0 plain.txt\n');
    expect(readFileSync(join(target, 'plain.txt'), 'utf8')).toBe('local edit\n');
    const over = await f.havre(['restore', first, '--target', target, '--path', path, '--conflict', 'overwrite']);
    expect(over.code).toBe(0);
    expect(readFileSync(join(target, 'plain.txt'), 'utf8')).toBe('content of 0 plain.txt\n');
    const again = await f.havre(['restore', first, '--target', target, '--path', path, '--conflict', 'keep-both', '--json']);
    expect(again.json<{ identical: string[] }>().identical).toEqual(['plain.txt']);
  });

  it('lists snapshots and folder contents as JSON', async () => {
    const snaps = (await f.havre(['snapshots', '--json'])).json<{ id: string }[]>();
    expect(snaps.map((s) => s.id)).toContain(first);
    const ls = (await f.havre(['ls', first.slice(0, 8), join(src, 'names'), '--json'])).json<{ entries: { path: string }[] }>();
    expect(ls.entries.map((e) => e.path.split('/').pop()).sort()).toEqual([...NAMES].sort());
  });

  it('verifies clean with --read-data after all of this', async () => {
    const r = await f.havre(['verify', '--read-data', '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json<{ ok: boolean; blobsChecked: number }>().blobsChecked).toBeGreaterThan(10);
  });
});
