// The scheduled proofs that restores work, on a real repository with a clock passed in: a daily
// structural verification reading one slice of the data (every pack read once in 30 days, however
// many days the machine was off), a weekly restore test of a sample compared with the files on
// disk, both recorded as audit events, and damage found by them reported. Bad inputs tried: a
// flipped bit in a pack, a file changed since its backup, a damaged schedule file, days off.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertFor } from '../../../src-main/engine/alerts/index.js';
import { runBackup } from '../../../src-main/engine/jobs/index.js';
import { packSlice } from '../../../src-main/engine/jobs/verify/runVerify.js';
import { dueTasks, maintenanceFile, NO_MAINTENANCE, READ_SLICES, runMaintenance, runRestoreTest } from '../../../src-main/engine/maintenance/index.js';
import { withRepository, type Repository } from '../../../src-main/engine/repo/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

const DAY = 86_400_000;

describe('schedule', () => {
  it('daily verification walks the 30 slices in order; days off read the missed slices at once; restore test weekly', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    expect(dueTasks(NO_MAINTENANCE, t0)).toEqual({ verify: [0], restoreTest: true });
    const s = { ...NO_MAINTENANCE, lastVerify: t0, nextSlice: 28, lastRestoreTest: { time: new Date(t0).toISOString(), sampled: 1, identical: 1, verified: 0, failed: 0 } };
    expect(dueTasks(s, t0 + DAY / 2)).toEqual({ verify: null, restoreTest: false });
    expect(dueTasks(s, t0 + 4 * DAY)).toEqual({ verify: [28, 29, 0, 1], restoreTest: false });
    expect(dueTasks(s, t0 + 90 * DAY).verify).toHaveLength(READ_SLICES);
    expect(dueTasks(s, t0 + 7 * DAY).restoreTest).toBe(true);
  });
});

describe('scheduled verification and restore test on a real repository', () => {
  let f: RepoFixture;
  let src: string;
  let now = Date.parse('2026-04-01T08:00:00Z');
  const open = <T>(fn: (repo: Repository) => Promise<T>): Promise<T> =>
    FsStore.open(f.repo).then((s) => withRepository(s, { home: f.home, credentials: { password: f.password } }, fn));

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(src, i % 2 ? 'sub' : '', `f${i}.bin`), randomBytes(i === 0 ? 3 * 1024 * 1024 : 2000 + i));
    // Several backups of changed big files: several packs to slice.
    for (let k = 0; k < 4; k++) {
      writeFileSync(join(src, `big${k}.bin`), randomBytes(20 * 1024 * 1024));
      await open((repo) => runBackup(repo, { paths: [src], home: f.home }));
    }
  });
  afterAll(() => f.cleanup());

  it('the first run verifies slice 0 and restores a sample, all identical; the same day nothing more is due', async () => {
    const r = await open((repo) => runMaintenance(repo, { home: f.home, now }));
    expect(r.verify).toMatchObject({ ok: true });
    expect(r.restoreTest).toMatchObject({ sampled: 44, identical: 44, verified: 0, failed: [] });
    expect(r.state.lastRestoreTest).toMatchObject({ sampled: 44, identical: 44, failed: 0 });
    expect(readdirSync(join(f.home, 'restore-test'))).toEqual([]); // the sample is gone
    const again = await open((repo) => runMaintenance(repo, { home: f.home, now: now + 3600_000 }));
    expect(again).toMatchObject({ verify: null, restoreTest: null });
    const events = await open(async (repo) => repo.audit!.events().filter((e) => e.type.startsWith('job.')).map((e) => `${e.type}:${String(e.data.job)}`));
    expect(events.slice(-2)).toEqual(['job.done:verify', 'job.done:restore-test']);
  });

  it('over 30 days every pack is read exactly once', async () => {
    let read = 0;
    let packs = 0;
    for (let d = 1; d < READ_SLICES; d++) {
      const r = await open((repo) => runMaintenance(repo, { home: f.home, now: now + d * DAY, sample: 5 }));
      read += r.verify!.packsRead;
      packs = r.verify!.packs;
    }
    const first = await open(async (repo) => repo.audit!.events().find((e) => e.type === 'job.done' && e.data.job === 'verify')!);
    read += Number(first.data.packsRead);
    expect(packs).toBeGreaterThan(3);
    expect(read).toBe(packs);
    now += (READ_SLICES - 1) * DAY;
  });

  it('a file changed since its backup is restored whole but not called identical', async () => {
    writeFileSync(join(src, 'f2.bin'), 'changed after the backup');
    const r = await open((repo) => runRestoreTest(repo, { home: f.home, sample: 1000 }));
    expect(r.failed).toEqual([]);
    expect(r.verified).toBe(1);
    expect(r.identical).toBe(r.sampled - 1);
  });

  it('a flipped bit in a pack: the restore test names it, the scheduled verification finds it and repairs it from the workstation', async () => {
    // The first blob of big3.bin, damaged where it is stored.
    const big = join(src, 'big3.bin');
    const { packId, offset, id } = await open(async (repo) => {
      const blob = repo.catalog.getFileState(big)!.content[0]!;
      const loc = repo.findBlob(blob);
      return { packId: loc.packId, offset: loc.offset, id: blob.toString('hex') };
    });
    const file = join(f.repo, 'data', ...readdirSync(join(f.repo, 'data'), { recursive: true }).map(String).filter((p) => p.endsWith(packId)).slice(0, 1));
    const bytes = readFileSync(file);
    bytes[offset + 100]! ^= 0x01;
    writeFileSync(file, bytes);

    // The restore test meets it: a failure, an alert.
    const t = await open((repo) => runRestoreTest(repo, { home: f.home, sample: 1000 }));
    expect(t.failed.map((x) => x.path)).toEqual([big]);
    const testEvent = (await open(async (repo) => repo.audit!.events())).filter((e) => e.type.startsWith('job.')).at(-1)!;
    expect(testEvent).toMatchObject({ type: 'job.failed', data: { job: 'restore-test', error: 'INTEGRITY' } });
    expect(alertFor(testEvent)).toMatchObject({ kind: 'restore-test-failed' });

    // The scheduled verification of that pack's slice finds it, names the file, and repairs it.
    const repoId = await open(async (repo) => repo.config.repoId);
    const state = JSON.parse(readFileSync(maintenanceFile(f.home, repoId), 'utf8')) as Record<string, unknown>;
    writeFileSync(maintenanceFile(f.home, repoId), JSON.stringify({ ...state, nextSlice: packSlice(packId, READ_SLICES) }));
    now += 8 * DAY; // a restore test is due again too
    const r = await open((repo) => runMaintenance(repo, { home: f.home, now, sample: 1000 }));
    expect(r.verify!.ok).toBe(false);
    // The pack's name is the hash of its bytes: the whole pack is reported, so every blob in it is repaired.
    expect(r.verify!.problems).toEqual([expect.objectContaining({ kind: 'pack', object: packId })]);
    expect(r.verify!.affected.map((a) => a.path)).toContain(big);
    expect(r.repair).toMatchObject({ unrepaired: 0, filesRead: 1 });
    expect(r.repair!.repaired).toBeGreaterThan(0);
    // The restore test that follows finds every file whole again, big3.bin identical to the disk.
    expect(r.restoreTest!.failed).toEqual([]);
    expect(r.restoreTest!.identical).toBe(r.restoreTest!.sampled - 1); // f2.bin changed earlier: verified
    const events = (await open(async (repo) => repo.audit!.events())).filter((e) => e.type.startsWith('job.'));
    const verifyEvent = events.find((e) => e.type === 'job.failed' && e.data.job === 'verify')!;
    expect(alertFor(verifyEvent)).toMatchObject({ kind: 'verify-failed' });
    expect(events.find((e) => e.data.job === 'repair-from-workstation')).toMatchObject({ type: 'job.done', data: { repaired: r.repair!.repaired, unrepaired: 0 } });

    // A fresh catalog (another machine, or after repair catalog) reads the repaired copy by itself.
    const freshHome = join(f.dir, 'fresh-home');
    const restored = await FsStore.open(f.repo).then((s) => withRepository(s, { home: freshHome, credentials: { password: f.password } }, (repo) => repo.readBlob(id)));
    const original = readFileSync(big);
    expect(original.subarray(0, restored.length).equals(restored)).toBe(true);
  });

  it('a damaged schedule file means everything is due again, not a crash', async () => {
    const repoId = await open(async (repo) => repo.config.repoId);
    writeFileSync(maintenanceFile(f.home, repoId), '{"lastVerify": 12, broken');
    const r = await open((repo) => runMaintenance(repo, { home: f.home, now, sample: 3 }));
    expect(r.verify).not.toBeNull();
    expect(r.restoreTest).not.toBeNull();
  });
});

describe('the engine service runs maintenance beside protection and shows the last restore test', () => {
  it('maintain() runs what is due once; status() carries "last restore test"', async () => {
    const { createEngineService } = await import('../../../src-main/engine/service/index.js');
    const { writeHomeConfig } = await import('../../../src-main/engine/home/homeConfig.js');
    const { updateSettings } = await import('../../../src-main/engine/settings/index.js');
    const { readConfig } = await import('../../../src-main/engine/repo/index.js');
    const f = newRepo();
    try {
      const src = join(f.dir, 'Documents');
      mkdirSync(src, { recursive: true });
      writeFileSync(join(src, 'a.txt'), 'a\n');
      const repoId = (await readConfig(await FsStore.open(f.repo))).config.repoId;
      await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId } });
      await updateSettings(f.home, { folders: [src] }, f.dir);
      const engine = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), userHome: f.dir });
      try {
        for (;;) {
          if ((await engine.status()).lastBackup) break; // the start-up scan's backup
          await new Promise((r) => setTimeout(r, 50));
        }
        const run = await engine.maintain();
        expect(run?.restoreTest).toMatchObject({ sampled: 1, identical: 1 });
        expect(await engine.maintain()).toMatchObject({ verify: null, restoreTest: null });
        expect((await engine.status()).lastRestoreTest).toMatchObject({ sampled: 1, identical: 1, failed: 0 });
      } finally {
        await engine.close();
      }
    } finally {
      f.cleanup();
    }
  });
});
