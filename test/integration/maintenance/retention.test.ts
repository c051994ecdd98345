// The machine policy's retention applied on schedule (issue 8): forget daily, prune weekly when
// something was forgotten, on a real repository with a clock passed in; then by the engine service
// beside running continuous protection, with IT's policy file changed while it runs (no restart):
// new folders are protected and the retention rules are applied. Bad inputs tried: a retention
// with no rule (nothing is forgotten), a damaged schedule file (due again, not a crash), the clock
// set back (due again).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { runBackup, runRestore } from '../../../src-main/engine/jobs/index.js';
import { maintenanceFile, NO_MAINTENANCE, PRUNE_EVERY_MS, retentionDue, runRetention } from '../../../src-main/engine/maintenance/index.js';
import { readConfig, withRepository, type Repository } from '../../../src-main/engine/repo/index.js';
import { createEngineService } from '../../../src-main/engine/service/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { until } from '../../helpers/until.js';

const DAY = 86_400_000;

describe('retention schedule', () => {
  it('forget is due daily, prune weekly with it; a clock set back makes both due', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    expect(retentionDue(NO_MAINTENANCE, t0)).toEqual({ forget: true, prune: true });
    const s = { ...NO_MAINTENANCE, lastRetention: t0, lastPrune: t0 };
    expect(retentionDue(s, t0 + DAY / 2)).toEqual({ forget: false, prune: false });
    expect(retentionDue(s, t0 + DAY)).toEqual({ forget: true, prune: false });
    expect(retentionDue(s, t0 + PRUNE_EVERY_MS)).toEqual({ forget: true, prune: true });
    expect(retentionDue(s, t0 - 3600_000)).toEqual({ forget: true, prune: true });
  });
});

describe('scheduled retention on a real repository', () => {
  let f: RepoFixture;
  let src: string;
  const now = Date.now();
  const open = <T>(fn: (repo: Repository) => Promise<T>): Promise<T> =>
    FsStore.open(f.repo).then((s) => withRepository(s, { home: f.home, credentials: { password: f.password } }, fn));
  const backup = async (name: string): Promise<{ id: string; bytes: Buffer }> => {
    const bytes = randomBytes(300_000);
    writeFileSync(join(src, name), bytes);
    const r = await open((repo) => runBackup(repo, { paths: [src], home: f.home }));
    return { id: r.snapshotId, bytes };
  };

  beforeAll(() => {
    f = newRepo();
    src = join(f.dir, 'src');
    mkdirSync(src, { recursive: true });
  });
  afterAll(() => f.cleanup());

  it('forgets by the rules and prunes in the same run the first time; the kept snapshots restore byte for byte', async () => {
    const made: { id: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 5; i++) made.push(await backup(`v${i}.bin`));
    const run = await open((repo) => runRetention(repo, { home: f.home, retention: { keepLast: 2 }, now }));
    expect(run!.forget.decision.forget.map((s) => s.id).sort()).toEqual(made.slice(0, 3).map((m) => m.id).sort());
    // v0..v2 are still in the kept snapshots (the files stay in the folder): prune frees nothing, but it ran.
    expect(run!.forget.prune).toMatchObject({ packsDeleted: expect.any(Number) });
    expect(run!.state).toMatchObject({ lastRetention: now, lastPrune: now, forgottenSincePrune: 0 });
    await open(async (repo) => {
      expect(repo.listSnapshots().map((s) => s.id)).toEqual(made.slice(3).map((m) => m.id));
      const out = join(f.dir, 'out');
      const r = await runRestore(repo, { snapshot: made[4]!.id, target: out });
      expect(r.failed).toEqual([]);
      for (let i = 0; i < 5; i++) expect(readFileSync(join(out, ...src.split('/').filter(Boolean), `v${i}.bin`)).equals(made[i]!.bytes)).toBe(true);
      rmSync(out, { recursive: true });
      const events = repo.audit!.events().filter((e) => e.type.startsWith('job.')).map((e) => `${e.type}:${String(e.data.job)}`);
      expect(events.slice(-3)).toEqual(['job.done:forget', 'job.done:prune', 'job.done:restore']);
    });
  });

  it('the same day nothing is due; the next day forget runs without prune; a week later the prune frees what was forgotten', async () => {
    expect(await open((repo) => runRetention(repo, { home: f.home, retention: { keepLast: 2 }, now: now + 3600_000 }))).toBeNull();
    // A file removed from the folder: its data is referenced only by the snapshots about to be forgotten.
    rmSync(join(src, 'v0.bin'));
    rmSync(join(src, 'v1.bin'));
    await backup('v5.bin');
    await backup('v6.bin');
    const day2 = await open((repo) => runRetention(repo, { home: f.home, retention: { keepLast: 2 }, now: now + DAY }));
    expect(day2!.forget.decision.forget).toHaveLength(2);
    expect(day2!.forget.prune).toBeUndefined();
    expect(day2!.state.forgottenSincePrune).toBe(2);
    const week = await open((repo) => runRetention(repo, { home: f.home, retention: { keepLast: 2 }, now: now + 8 * DAY }));
    expect(week!.forget.decision.forget).toHaveLength(0);
    expect(week!.forget.prune!.bytesFreed).toBeGreaterThanOrEqual(600_000);
    expect(week!.state.forgottenSincePrune).toBe(0);
    const verify = await f.havre(['verify', '--read-data', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('a retention with no rule forgets nothing; a damaged schedule file makes it due again', async () => {
    const repoId = await open(async (repo) => repo.config.repoId);
    writeFileSync(maintenanceFile(f.home, repoId), '{"lastRetention": 1, broken');
    expect(await open((repo) => runRetention(repo, { home: f.home, retention: {}, now: now + 9 * DAY }))).toBeNull();
    const r = await open((repo) => runRetention(repo, { home: f.home, retention: { keepLast: 5 }, now: now + 9 * DAY }));
    expect(r!.forget.decision.forget).toHaveLength(0);
    expect(await open(async (repo) => repo.listSnapshots().length)).toBe(2);
  });
});

describe('the engine service under a machine policy that changes while it runs', () => {
  let f: RepoFixture;
  const before = process.env.HAVRE_POLICY_ROOT;
  afterEach(() => {
    if (before === undefined) delete process.env.HAVRE_POLICY_ROOT;
    else process.env.HAVRE_POLICY_ROOT = before;
    f.cleanup();
  });

  it('protects a folder the new policy adds, applies its retention and takes up its cloud copy, without a restart', async () => {
    f = newRepo();
    const root = join(f.dir, 'policy-root');
    mkdirSync(join(root, 'etc/havre'), { recursive: true });
    process.env.HAVRE_POLICY_ROOT = root;
    const docs = join(f.dir, 'Documents');
    const projects = join(f.dir, 'Projects');
    mkdirSync(docs, { recursive: true });
    mkdirSync(projects, { recursive: true });
    writeFileSync(join(docs, 'a.txt'), 'a\n');
    writeFileSync(join(projects, 'plan.txt'), 'the plan\n');
    const repoId = (await readConfig(await FsStore.open(f.repo))).config.repoId;
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId } });
    await updateSettings(f.home, { folders: [docs] }, f.dir);
    const engine = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), userHome: f.dir, watcher: null });
    const snapshots = async (): Promise<{ id: string; paths: string[] }[]> => (await engine.listSnapshots()).map((s) => ({ id: s.id, paths: s.paths }));
    try {
      await until(async () => (await engine.status()).lastBackup !== undefined && (await engine.status()).lastBackup !== null, 'the start-up scan');
      expect((await snapshots())[0]!.paths).toEqual([docs]);
      // IT's new policy: both folders, locked, and a retention of one snapshot.
      writeFileSync(join(root, 'etc/havre/policy.json'), JSON.stringify({ version: 1, settings: { folders: [docs, projects] }, retention: { keepLast: 1 } }));
      await until(async () => (await snapshots()).some((s) => s.paths.includes(projects)), 'a snapshot of the folder the policy added', 60_000, 100);
      expect((await engine.getSettings()).locked.folders).toMatchObject({ code: 'POLICY_LOCK' });
      const run = await engine.maintain();
      expect(run?.retention?.forget.decision.keep).toHaveLength(1);
      const left = await snapshots();
      expect(left).toHaveLength(1);
      expect(left[0]!.paths).toEqual([docs, projects].sort());
      // Protection goes on after the retention held the repository: a new file is backed up.
      writeFileSync(join(projects, 'later.txt'), 'later\n');
      await engine.startBackup();
      await until(async () => (await snapshots()).some((s) => s.id !== left[0]!.id), 'a backup after the retention run', 60_000, 100);
      // A change of the policy that protection itself does not use (a cloud copy): taken up at once
      // too. This machine has no key for it, so it waits, and the status says why.
      writeFileSync(join(root, 'etc/havre/policy.json'), JSON.stringify({ version: 1, settings: { folders: [docs, projects] }, retention: { keepLast: 1 },
        targets: [{ kind: 's3', name: 'cloud', endpoint: 'https://s3.invalid', bucket: 'backups', prefix: '{host}/' }] }));
      await until(async () => (await engine.status()).protection?.warnings.some((w) => w.code === 'POLICY_TARGET_PENDING') === true,
        'the policy copy reported as waiting for its key', 60_000, 100);
      expect((await engine.status()).protection?.warnings.find((w) => w.code === 'POLICY_TARGET_PENDING')?.message).toContain('havre target credentials cloud');
    } finally {
      await engine.close();
    }
  });
});
