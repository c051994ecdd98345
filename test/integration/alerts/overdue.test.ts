// "Impossible for a backup to fail for days without the user being told": the engine service (as
// in the app and `havre daemon`) with an injected clock, a repository and a cause of failure that
// lasts (the antivirus policy blocks and clamd is not there). The first failure is an alert; run
// after failing run it is not repeated; once no backup has completed for a day the watchdog says
// "overdue", again each day, until a backup completes. Nothing asserts a duration.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { antivirusFile } from '../../../src-main/engine/antivirus/index.js';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { readConfig } from '../../../src-main/engine/repo/index.js';
import { createEngineService, type EngineService } from '../../../src-main/engine/service/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import type { AlertEvent, EngineEvent, JobResult } from '../../../src-main/ipc/contract.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

const DAY = 86_400_000;

describe('a backup failing for days tells the user', () => {
  let f: RepoFixture;
  let engine: EngineService;
  let now = Date.parse('2026-03-02T09:00:00Z');
  const alerts: AlertEvent[] = [];
  const results: JobResult[] = [];

  async function backupNow(): Promise<JobResult> {
    const before = results.length;
    const { jobId } = await engine.startBackup();
    for (;;) {
      const r = results.slice(before).find((x) => x.jobId === jobId);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  beforeAll(async () => {
    f = newRepo();
    const repoId = (await readConfig(await FsStore.open(f.repo))).config.repoId;
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId } });
    const src = join(f.dir, 'Documents');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'a\n');
    await updateSettings(f.home, { folders: [src] }, f.dir);
    // A lasting cause: the policy blocks backups while the scanner is away, and it is away.
    writeFileSync(antivirusFile(f.home), JSON.stringify({ enabled: true, socket: join(f.dir, 'no-clamd.sock'), whenUnavailable: 'block' }));
    engine = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), userHome: f.dir, now: () => now });
    engine.subscribe((e: EngineEvent) => {
      if (e.type === 'alert') alerts.push(e.payload);
      if (e.type === 'job:result') results.push(e.payload);
    });
  });
  afterAll(async () => {
    await engine.close();
    f.cleanup();
  });

  it('the first failure is an alert, the next failures of the same cause are not repeated', async () => {
    for (let i = 0; i < 3; i++) expect((await backupNow()).ok).toBe(false);
    const failed = alerts.filter((a) => a.kind === 'backup-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: 'backup-failed', code: 'SCANNER_UNAVAILABLE', severity: 'warning' });
    expect(engine.checkAlerts()).toBeNull(); // not overdue yet
  });

  it('after a day without a completed backup the watchdog says so, at most daily, until one completes', async () => {
    now += 25 * 60 * 60 * 1000;
    const first = engine.checkAlerts();
    expect(first).toMatchObject({ id: 'backup-overdue', kind: 'backup-overdue', severity: 'critical' });
    expect(first!.message).toMatch(/No backup of this computer has completed/);
    expect(alerts.at(-1)).toEqual(first);
    expect(engine.checkAlerts()).toBeNull(); // said already today
    now += 2 * DAY;
    expect((await backupNow()).ok).toBe(false);
    const again = engine.checkAlerts();
    expect(again!.message).toContain('3 day(s)');
    expect(again!.messageFr).toContain('3 jour(s)');
    // The cause goes away: a backup completes, and the condition ends.
    rmSync(antivirusFile(f.home));
    expect((await backupNow()).ok).toBe(true);
    expect(engine.checkAlerts()).toBeNull();
  });
});
