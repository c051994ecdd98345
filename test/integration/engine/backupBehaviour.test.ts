import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobId, seal } from '../../../src-main/engine/crypto/index.js';
import { runBackup, runRestore, runVerify, type JobProgress } from '../../../src-main/engine/jobs/index.js';
import { PackWriter } from '../../../src-main/engine/repo/index.js';
import type { Repository } from '../../../src-main/engine/repo/index.js';
import { openRepo } from '../../helpers/forge.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

describe('backup behaviour seen from the engine', () => {
  let f: RepoFixture;
  let repo: Repository;

  beforeAll(async () => {
    f = newRepo();
    repo = await openRepo(f);
  });
  afterAll(() => {
    repo.close();
    f.cleanup();
  });

  it('adopts a pack stored by a backup killed before its catalog recorded it, and stores nothing twice', async () => {
    const src = join(f.dir, 'orphan');
    mkdirSync(src);
    const content = randomBytes(100_000); // below the minimum chunk size: one blob
    writeFileSync(join(src, 'doc.bin'), content);
    const id = blobId(repo.keys.id, content);
    const w = new PackWriter();
    w.add({ id, type: 0, codec: 0, rawLength: content.length }, seal(repo.keys.enc, content, id));
    const pack = w.finish(repo.keys.enc);
    await repo.store.put('data', pack.packId, pack.bytes); // the kill came before catalog.addPack
    const r = await runBackup(repo, { paths: [src] });
    expect(r.snapshot.summary.addedBytes).toBeLessThan(content.length);
    const v = await runVerify(repo, { readData: true });
    expect(v.ok).toBe(true);
    expect(v.unindexedPacks).toBe(0);
  });

  it('a file whose bytes equal a tree (an empty folder\'s) does not break the folders that share them', async () => {
    // Dedup is by content: the empty folder's tree {"nodes":[]} is found as this file's data blob.
    const first = join(f.dir, 'json-first');
    mkdirSync(first);
    writeFileSync(join(first, 'empty.json'), '{"nodes":[]}');
    await runBackup(repo, { paths: [first] });
    const second = join(f.dir, 'empty-later');
    mkdirSync(join(second, 'nothing here'), { recursive: true });
    const r = await runBackup(repo, { paths: [second] });
    const out = join(f.dir, 'empty-out');
    const res = await runRestore(repo, { snapshot: r.snapshotId, target: out, path: second });
    expect(res.failed).toEqual([]);
    expect(readdirSync(join(out, 'empty-later'))).toEqual(['nothing here']);
    expect((await runVerify(repo, { readData: true })).ok).toBe(true);
  });

  it('reports progress with totals from the scanner, then a final event', async () => {
    const src = join(f.dir, 'progress');
    mkdirSync(src);
    for (let i = 0; i < 12; i++) writeFileSync(join(src, `f${i}`), randomBytes(1024 * 1024 + i));
    const events: JobProgress[] = [];
    const r = await runBackup(repo, { paths: [src], onProgress: (p) => events.push(p) });
    const last = events.at(-1)!;
    expect(last.phase).toBe('done');
    expect(last.files).toBe(12);
    expect(last.totalFiles).toBe(12);
    expect(last.totalBytes).toBe(12 * 1024 * 1024 + 66);
    expect(r.snapshot.summary.bytes).toBe(12 * 1024 * 1024 + 66);

    // The next backup estimates from this snapshot (no second walk); its last event says what it found.
    for (let i = 12; i < 15; i++) writeFileSync(join(src, `f${i}`), randomBytes(1000));
    const again: JobProgress[] = [];
    await runBackup(repo, { paths: [src], onProgress: (p) => again.push(p) });
    expect(again.at(-1)).toMatchObject({ phase: 'done', files: 15, totalFiles: 15, totalBytes: 12 * 1024 * 1024 + 66 + 3000 });
    expect(again.every((p) => p.totalFiles === undefined || p.totalFiles >= p.files)).toBe(true);
  });

  it('a file that keeps changing while read is reported, and the snapshot holds consistent bytes', async () => {
    const src = join(f.dir, 'changing');
    mkdirSync(src);
    const file = join(src, 'growing.log');
    writeFileSync(file, randomBytes(24 * 1024 * 1024));
    writeFileSync(join(src, 'calm.txt'), 'calm');
    // Another process appends to the file the whole time the backup runs.
    const writer = spawn(process.execPath, ['-e', `
      const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(file)}, 'a'); const b = Buffer.alloc(4096, 65);
      const t = setInterval(() => fs.writeSync(fd, b), 1); setTimeout(() => clearInterval(t), 60000);`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const r = await runBackup(repo, { paths: [src] });
      expect(r.problems).toContainEqual(expect.objectContaining({ path: file, kind: 'changed' }));
      const out = join(f.dir, 'changing-out');
      const res = await runRestore(repo, { snapshot: r.snapshotId, target: out, path: src });
      expect(res.failed).toEqual([]);
      const restored = readFileSync(join(out, 'changing', 'growing.log'));
      // What was read: the original 24 MiB followed only by whole appended blocks.
      expect(restored.length).toBeGreaterThanOrEqual(24 * 1024 * 1024);
      expect(restored.subarray(0, 24 * 1024 * 1024).equals(readFileSync(file).subarray(0, 24 * 1024 * 1024))).toBe(true);
      expect(readFileSync(join(out, 'changing', 'calm.txt'), 'utf8')).toBe('calm');
      expect(statSync(file).size).toBeGreaterThan(restored.length - 1);
    } finally {
      writer.kill();
    }
  });
});
