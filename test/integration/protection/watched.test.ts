// Continuous protection with the real file watcher (watch/, @parcel/watcher in its host process):
// files saved in a protected folder reach the repository with no scan and no call to noteChanges;
// a file saved over and over is coalesced; an excluded folder is never queued; a protected folder
// that goes away is reported (not taken for the deletion of its files) and watched again when back.
// Timing rules are shortened; nothing asserts a duration.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { runRestore } from '../../../src-main/engine/jobs/index.js';
import { DEFAULT_RHYTHM, Protector, WatchSource, type BackupHost, type RhythmRules, type RunReport } from '../../../src-main/engine/protection/index.js';
import { readConfig, withRepository, type Repository } from '../../../src-main/engine/repo/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { until } from '../../helpers/until.js';

const FAST: RhythmRules = { ...DEFAULT_RHYTHM, quietMs: 150, intervalsMs: [0, 300, 600], retryMs: [100, 150, 200], unstableMs: 100, awayRetryMs: 200 };

describe('Protector with the real file watcher', () => {
  let f: RepoFixture;
  let src: string;
  let protector: Protector | null = null;
  let runs: RunReport[] = [];
  let store: FsStore;
  const host: BackupHost = {
    run: <T>(job: (repo: Repository) => Promise<T>) => withRepository(store, { home: f.home, credentials: { password: f.password } }, job, 'continuous protection'),
    interrupt: () => undefined,
    targetNames: () => ['local'],
  };
  const restored = async (path: string): Promise<Buffer | null> => {
    const out = join(f.dir, `check-${randomBytes(4).toString('hex')}`);
    return withRepository(store, { home: f.home, credentials: { password: f.password } }, async (repo) => {
      const r = await runRestore(repo, { snapshot: 'latest', target: out, path });
      return r.failed.length === 0 ? readFileSync(join(out, path.split('/').pop()!)) : null;
    }).catch(() => null);
  };
  const changeRuns = (): RunReport[] => runs.filter((r) => r.kind === 'changes' && r.result);

  beforeEach(async () => {
    runs = [];
    f = newRepo();
    store = await FsStore.open(f.repo);
    const repoId = (await readConfig(store)).config.repoId;
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId } });
    src = join(f.dir, 'Documents');
    mkdirSync(join(src, 'letters'), { recursive: true });
    writeFileSync(join(src, 'letters', 'a.txt'), 'first letter\n');
    await updateSettings(f.home, { folders: [src] }, f.dir);
    protector = new Protector({
      home: f.home, repoId, host, userHome: f.dir, rules: FAST, conditions: async () => ({ onBattery: false, batteryPercent: null, metered: false }),
      watcher: () => new WatchSource({ ignorePaths: () => [f.home, f.repo] }), onRun: (r) => runs.push(r),
    });
    await protector.start();
    await until(() => runs.some((r) => r.kind === 'scan' && r.result) && protector!.status().mode === 'watching', 'the start-up scan and the watcher');
  });
  afterEach(async () => {
    await protector?.stop();
    protector = null;
    f.cleanup();
  });

  it('backs up a saved file, and a file saved 50 times in a row once or twice', async () => {
    const doc = join(src, 'letters', 'b.txt');
    writeFileSync(doc, 'saved once\n');
    await until(async () => changeRuns().length >= 1 && (await restored(doc))?.toString() === 'saved once\n', 'the saved file in the latest snapshot');
    expect(runs.filter((r) => r.kind === 'scan')).toHaveLength(1); // the watcher, not a scan, found it

    const before = changeRuns().length;
    const draft = join(src, 'draft.txt');
    for (let i = 1; i <= 50; i++) writeFileSync(draft, `version ${i}\n`);
    await until(async () => (await restored(draft))?.toString() === 'version 50\n', 'the last version protected');
    await new Promise((r) => setTimeout(r, 1000)); // any run still due would start in this second
    expect(changeRuns().length - before).toBeLessThanOrEqual(2);
  });

  it('a burst of 5,000 files created in 100 new folders: every one protected, in a few runs', async () => {
    const before = runs.length;
    const protectedBefore = protector!.status().protectedFiles;
    const burst = join(src, 'burst');
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(burst, `d${d}`), { recursive: true });
      for (let i = 0; i < 50; i++) writeFileSync(join(burst, `d${d}`, `f${i}.txt`), `file ${d}/${i}\n`);
    }
    await until(() => protector!.status().protectedFiles >= protectedBefore + 5000, 'the burst backed up');
    const out = join(f.dir, 'burst-restored');
    await withRepository(store, { home: f.home, credentials: { password: f.password } }, (repo) => runRestore(repo, { snapshot: 'latest', target: out, path: burst }));
    let found = 0;
    for (let d = 0; d < 100; d++) for (let i = 0; i < 50; i++) if (readFileSync(join(out, 'burst', `d${d}`, `f${i}.txt`), 'utf8') === `file ${d}/${i}\n`) found++;
    expect(found).toBe(5000);
    expect(runs.length - before).toBeLessThanOrEqual(10); // coalesced, not one backup per file or per folder
  });

  it('never queues a file in an excluded folder (node_modules), and still protects its neighbours', async () => {
    mkdirSync(join(src, 'app', 'node_modules', 'lib'), { recursive: true });
    writeFileSync(join(src, 'app', 'node_modules', 'lib', 'index.js'), 'module.exports = 1;\n');
    writeFileSync(join(src, 'app', 'main.js'), 'require("lib");\n');
    await until(async () => (await restored(join(src, 'app', 'main.js')))?.toString() === 'require("lib");\n', 'the neighbour protected');
    expect(await restored(join(src, 'app', 'node_modules', 'lib', 'index.js'))).toBeNull();
    expect(protector!.status().pendingFiles).toBe(0);
  });

  it('a protected folder renamed away is reported, its files stay in the backup, and it is watched again once back', async () => {
    const away = join(f.dir, 'Documents-moved');
    renameSync(src, away);
    await until(() => protector!.status().warnings.some((w) => w.code === 'WATCH_ROOT_GONE'), 'the folder reported gone');
    expect(protector!.status().warnings.find((w) => w.code === 'WATCH_ROOT_GONE')?.messageFr).toMatch(/n’est plus là/);
    // Scans meanwhile keep the folder's last state: not a deletion of its files.
    protector!.backupNow();
    await until(() => runs.filter((r) => r.kind === 'scan').length >= 2, 'a scan while the folder is away');
    expect((await restored(join(src, 'letters', 'a.txt')))?.toString()).toBe('first letter\n');

    renameSync(away, src);
    await until(() => !protector!.status().warnings.some((w) => w.code === 'WATCH_ROOT_GONE'), 'the folder watched again');
    const later = join(src, 'letters', 'after-return.txt');
    writeFileSync(later, 'written after the folder came back\n');
    await until(async () => (await restored(later))?.toString() === 'written after the folder came back\n', 'a file saved after the return protected');
  });
});
