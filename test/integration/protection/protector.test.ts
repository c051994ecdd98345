// The Protector (continuous protection's loop) on a real repository and real files, fed through
// noteChanges, the entry point the watcher uses: changes are backed up once quiet, bursts are
// coalesced, unreadable paths are retried and reported, a pause stops the backup in progress, and
// the queue outlives a restart. Timing rules are shortened; nothing asserts a duration.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import type { ProtectionStatus } from '../../../src-main/ipc/contract.js';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { runRestore } from '../../../src-main/engine/jobs/index.js';
import { DEFAULT_RHYTHM, Protector, type BackupHost, type RhythmRules, type RunReport } from '../../../src-main/engine/protection/index.js';
import { readConfig, withRepository, type Repository } from '../../../src-main/engine/repo/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { FsStore, type ObjectKind, type Store } from '../../../src-main/engine/store/index.js';
import { ForwardingStore } from '../../helpers/forwardingStore.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { until } from '../../helpers/until.js';

const FAST: RhythmRules = { ...DEFAULT_RHYTHM, quietMs: 150, intervalsMs: [0, 300, 600], retryMs: [100, 150, 200], unstableMs: 100, awayRetryMs: 200 };

/**
 * A store behind a slow uplink: each pack takes `delayMs` to "upload", and interrupt() cuts the
 * uploads in flight as closing a network store's connections does.
 */
class SlowUplink extends ForwardingStore {
  delayMs = 0;
  private readonly cuts = new Set<() => void>();
  override async put(kind: ObjectKind, name: string, bytes: Uint8Array): ReturnType<Store['put']> {
    if (kind === 'data' && this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const cut = (): void => {
          clearTimeout(t);
          reject(new HavreError('STORE_UNAVAILABLE', { location: 'test uplink', reason: 'connection closed' }));
        };
        const t = setTimeout(() => {
          this.cuts.delete(cut);
          resolve();
        }, this.delayMs);
        this.cuts.add(cut);
      });
    }
    return this.inner.put(kind, name, bytes);
  }
  interrupt(): void {
    for (const cut of [...this.cuts]) cut();
    this.cuts.clear();
  }
}

describe('Protector: continuous protection on real files', () => {
  let f: RepoFixture;
  let src: string;
  let repoId: string;
  let protector: Protector | null = null;
  let uplink: SlowUplink;
  let runs: RunReport[] = [];
  let statuses: ProtectionStatus[] = [];
  const host: BackupHost = {
    run: <T>(job: (repo: Repository) => Promise<T>) => withRepository(uplink, { home: f.home, credentials: { password: f.password } }, job, 'continuous protection'),
    interrupt: () => uplink.interrupt(),
    targetNames: () => ['local'],
  };
  const start = async (): Promise<Protector> => {
    const p = new Protector({ home: f.home, repoId, host, userHome: f.dir, rules: FAST, conditions: async () => ({ onBattery: false, batteryPercent: null, metered: false }),
      onRun: (r) => runs.push(r), onStatus: (s) => statuses.push(s) });
    await p.start();
    protector = p;
    return p;
  };
  const succeeded = (): RunReport[] => runs.filter((r) => r.result);
  const latestHas = async (path: string, bytes: Buffer): Promise<boolean> => {
    const out = join(f.dir, `check-${randomBytes(4).toString('hex')}`);
    return withRepository(await FsStore.open(f.repo), { home: f.home, credentials: { password: f.password } }, async (repo) => {
      const r = await runRestore(repo, { snapshot: 'latest', target: out, path });
      return r.failed.length === 0 && readFileSync(join(out, path.split('/').pop()!)).equals(bytes);
    }).catch(() => false);
  };

  beforeEach(async () => {
    runs = [];
    statuses = [];
    f = newRepo();
    uplink = new SlowUplink(await FsStore.open(f.repo));
    repoId = (await readConfig(await FsStore.open(f.repo))).config.repoId;
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId } });
    src = join(f.dir, 'Documents');
    mkdirSync(join(src, 'letters'), { recursive: true });
    writeFileSync(join(src, 'letters', 'a.txt'), 'first letter\n');
    await updateSettings(f.home, { folders: [src] }, f.dir);
  });
  afterEach(async () => {
    await protector?.stop();
    protector = null;
    // GNU rm removes trees deeper than PATH_MAX (the long-path test); Node's rm cannot.
    spawnSync('rm', ['-rf', f.dir]);
    f.cleanup();
  });

  it('scans at start-up, then backs up a change once it is quiet', async () => {
    const p = await start();
    await until(() => succeeded().length >= 1, 'the start-up scan');
    expect(runs[0]).toMatchObject({ kind: 'scan', result: { wroteSnapshot: true } });
    const doc = join(src, 'letters', 'b.txt');
    const bytes = Buffer.from('written just now\n');
    writeFileSync(doc, bytes);
    p.noteChanges([{ path: doc, size: bytes.length }]);
    expect(p.status()).toMatchObject({ pendingFiles: 1, activity: 'waiting' });
    await until(() => succeeded().length >= 2, 'the change backed up');
    expect(runs.at(-1)).toMatchObject({ kind: 'changes', paths: 1, result: { wroteSnapshot: true } });
    expect(await latestHas(doc, bytes)).toBe(true);
    expect(p.status()).toMatchObject({ pendingFiles: 0, oldestPendingChange: null, activity: 'idle', protectedFiles: 2 });
    expect(p.status().lastSuccess[0]).toMatchObject({ target: 'local', time: expect.any(String) });
  });

  it('coalesces a burst of 3,000 new files into a few backups, and every file is in the last snapshot', async () => {
    const p = await start();
    await until(() => succeeded().length >= 1, 'the start-up scan');
    const before = succeeded().length;
    expect(statuses.length).toBeGreaterThan(0);
    const burst = join(src, 'burst');
    mkdirSync(burst);
    for (let batch = 0; batch < 30; batch++) {
      const events = [];
      for (let i = 0; i < 100; i++) {
        const path = join(burst, `file-${batch}-${i}.txt`);
        writeFileSync(path, `${batch}/${i}\n`);
        events.push({ path });
      }
      p.noteChanges(events);
    }
    await until(() => p.status().pendingFiles === 0 && !p.status().activity.match(/backing|scanning/), 'the burst protected');
    const burstRuns = succeeded().length - before;
    expect(burstRuns).toBeGreaterThanOrEqual(1);
    expect(burstRuns).toBeLessThanOrEqual(5);
    expect(p.latest().snapshot!.summary.files).toBe(3001);
  });

  it('retries a path it cannot read, then reports it as failed with the reason (a path longer than the system allows)', async () => {
    const p = await start();
    await until(() => succeeded().length >= 1, 'the start-up scan');
    // Folders of 200-character names, nested past PATH_MAX (4096): the deepest file cannot even be looked at.
    let dir = join(src, 'long');
    mkdirSync(dir);
    const rel: string[] = [];
    for (let i = 0; i < 22; i++) rel.push(`${'d'.repeat(199)}${i % 10}`);
    process.chdir(dir);
    for (const r of rel) {
      mkdirSync(r);
      process.chdir(r);
    }
    writeFileSync('too-deep.txt', 'unreachable by its full path\n');
    process.chdir('/');
    dir = join(dir, ...rel);
    const deep = join(dir, 'too-deep.txt');
    expect(deep.length).toBeGreaterThan(4096);
    p.noteChanges([{ path: deep }]);
    await until(() => p.failures().length > 0, 'the failure reported');
    const [failure] = p.failures();
    expect(failure).toMatchObject({ code: 'ENAMETOOLONG', attempts: 3 });
    expect(failure!.message).toMatch(/could not be backed up after 3 attempt\(s\)/);
    expect(failure!.messageFr).toMatch(/n’a pas pu être sauvegardé/);
    expect(p.status().failedFiles).toBe(1);
    // Everything else is still protected: the backups went on around it.
    expect(succeeded().length).toBeGreaterThan(1);
  });

  it('a pause stops the backup in progress; resuming finishes it', async () => {
    const p = await start();
    await until(() => succeeded().length >= 1, 'the start-up scan');
    const big = join(src, 'video');
    mkdirSync(big);
    const events = [];
    for (let i = 0; i < 24; i++) {
      writeFileSync(join(big, `part-${i}.bin`), randomBytes(4 * 1024 * 1024));
      events.push({ path: join(big, `part-${i}.bin`) });
    }
    const before = runs.length;
    uplink.delayMs = 2000; // a laptop's uplink: each 16 MiB pack takes two seconds
    p.noteChanges(events);
    await until(() => p.status().activity === 'backing-up', 'the big backup running', 30_000);
    await p.pauseFor({ minutes: 30 });
    await until(() => runs.length > before, 'the run to end');
    expect(runs.at(-1)!.error?.code).toBe('JOB_CANCELLED');
    expect(p.status()).toMatchObject({ activity: 'paused', pause: { reason: 'user' } });
    expect(p.status().pendingFiles).toBe(24); // nothing was counted as protected
    uplink.delayMs = 0;
    await p.resume();
    await until(() => p.status().pendingFiles === 0 && runs.at(-1)!.result !== undefined, 'the backup after resume');
    expect(await latestHas(join(big, 'part-23.bin'), readFileSync(join(big, 'part-23.bin')))).toBe(true);
  });

  it('the queue outlives a restart: changes noted while paused are backed up by the next protector', async () => {
    const p = await start();
    await until(() => succeeded().length >= 1, 'the start-up scan');
    await p.pauseFor({ until: 'resumed' });
    const doc = join(src, 'letters', 'while-paused.txt');
    writeFileSync(doc, 'noted, then the machine restarted\n');
    p.noteChanges([{ path: doc }]);
    expect(p.status().pendingFiles).toBe(1);
    await p.stop();
    protector = null;

    const next = await start();
    expect(next.status()).toMatchObject({ pendingFiles: 1, pause: { reason: 'user', until: null } });
    await next.resume();
    await until(() => next.status().pendingFiles === 0, 'the noted change backed up');
    expect(await latestHas(doc, readFileSync(doc))).toBe(true);
  });

  it('a clock set back an hour does not stall the queue; a jump ahead (sleep) brings a full scan', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset, mono: () => performance.now() };
    const p = new Protector({ home: f.home, repoId, host, userHome: f.dir, rules: FAST, clock, conditions: async () => ({ onBattery: false, batteryPercent: null, metered: false }),
      onRun: (r) => runs.push(r) });
    await p.start();
    protector = p;
    await until(() => succeeded().length >= 1, 'the start-up scan');
    const doc = join(src, 'letters', 'clock.txt');
    writeFileSync(doc, 'before the jump\n');
    offset = 2 * 3600_000; // noted two hours "ahead"...
    p.noteChanges([{ path: doc }]);
    offset = -3600_000; // ...then the clock is set back three hours
    const scansBefore = runs.filter((r) => r.kind === 'scan').length;
    await until(() => p.status().pendingFiles === 0, 'the change protected despite the clock');
    expect(await latestHas(doc, readFileSync(doc))).toBe(true);
    expect(p.status().oldestPendingChange).toBeNull();
    // The wall clock running ahead of the monotonic one is what sleep looks like: a full scan follows.
    offset = 10 * 60_000;
    p.noteChanges([{ path: doc }]);
    await until(() => runs.filter((r) => r.kind === 'scan').length > scansBefore, 'a scan after the jump ahead');
  });

  it('a second protector for the same account is refused (the app and havre daemon never both run it)', async () => {
    await start();
    const other = new Protector({ home: f.home, repoId, host, rules: FAST });
    await expect(other.start()).rejects.toMatchObject({ code: 'DAEMON_RUNNING' });
  });
});
