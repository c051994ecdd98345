// `havre daemon` as a real process: it scans at start (catching what changed while it was stopped),
// hears `havre pause` and `havre resume` from another terminal, refuses a second daemon, survives a
// kill -9 (its lock is taken over), and stops cleanly on SIGTERM.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { readConfig } from '../../../src-main/engine/repo/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import { runHavre, spawnHavre, type Child } from '../../helpers/cli.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { until } from '../../helpers/until.js';

interface DaemonLine {
  event: string;
  snapshot?: string;
  protection?: { activity: string; mode: string; pendingFiles: number; pause: { reason: string } | null };
  pid?: number;
}

function lines(c: Child): DaemonLine[] {
  return c.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as DaemonLine);
}

/** `what` for a wait on the daemon, with what it said last, to tell a hang from a watcher gone scan-only. */
function waitingFor(c: Child, what: string): () => string {
  return () => `${what}; the daemon's last lines:\n${c.stdout().split('\n').filter(Boolean).slice(-8).join('\n')}\nstderr:\n${c.stderr().slice(-2000)}`;
}

/** What the daemon said after its start-up scan began. */
function afterScan(c: Child): DaemonLine[] {
  const all = lines(c);
  const scan = all.findIndex((l) => l.protection?.activity === 'scanning');
  return scan < 0 ? [] : all.slice(scan + 1);
}

describe('havre daemon', () => {
  let f: RepoFixture;
  let src: string;
  let env: Record<string, string>;
  let daemon: Child | null = null;
  const havre = (args: string[]) => runHavre(args, env);
  const startDaemon = async (): Promise<Child> => {
    const d = spawnHavre(['daemon', '--json'], env);
    daemon = d;
    await until(() => lines(d).some((l) => l.event === 'started') || d.child.exitCode !== null, 'the daemon to start');
    return d;
  };

  beforeAll(async () => {
    f = newRepo();
    env = { ...f.env, HAVRE_INSECURE_TEST_KDF: '1' };
    const { config } = await readConfig(await FsStore.open(f.repo));
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId: config.repoId } });
    src = join(f.dir, 'Documents');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'first\n');
    expect((await havre(['settings', 'set', 'folders', src])).code).toBe(0);
  });
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL');
      await daemon.done;
    }
    daemon = null;
  });
  afterAll(() => f.cleanup());

  it('scans at start, hears pause and resume from another terminal, refuses a second daemon, stops cleanly', async () => {
    const d = await startDaemon();
    await until(() => lines(d).some((l) => l.event === 'backup'), 'the start-up backup');
    const snaps = await havre(['snapshots', '--json']);
    expect(snaps.json<{ tags: string[] }[]>()).toEqual([expect.objectContaining({ tags: ['continuous'] })]);

    const status = await havre(['status', '--json']);
    expect(status.json<{ protection: { runningPid: number } }>().protection.runningPid).toBe(d.child.pid);

    const second = await havre(['daemon', '--json']);
    expect(second.code).toBe(1);
    expect(second.json<{ error: { code: string; messageFr: string } }>().error).toMatchObject({ code: 'DAEMON_RUNNING', messageFr: expect.stringMatching(/déjà/) });

    expect((await havre(['pause', '30m'])).code).toBe(0);
    await until(() => lines(d).some((l) => l.event === 'status' && l.protection?.pause?.reason === 'user'), 'the daemon to see the pause');
    expect((await havre(['resume'])).code).toBe(0);
    await until(() => lines(d).filter((l) => l.event === 'status').at(-1)?.protection?.pause === null, 'the daemon to see the resume');

    d.child.kill('SIGTERM');
    const end = await d.done;
    expect(end.code).toBe(0);
    expect(lines(d).at(-1)?.event).toBe('stopping');
    expect(existsSync(join(f.home, 'protection.lock'))).toBe(false);
  });

  it('after a kill -9 the next daemon takes the lock over, and backs up what changed while none ran', async () => {
    const d = await startDaemon();
    d.child.kill('SIGKILL');
    await d.done;
    expect(existsSync(join(f.home, 'protection.lock'))).toBe(true); // left behind by the kill
    const doc = join(src, 'while-stopped.txt');
    writeFileSync(doc, 'written while no daemon ran\n');
    const next = await startDaemon();
    await until(() => lines(next).some((l) => l.event === 'backup'), 'the start-up backup');
    const out = join(f.dir, 'out');
    expect((await havre(['restore', 'latest', '--target', out, '--path', doc])).code).toBe(0);
    expect(readFileSync(join(out, 'while-stopped.txt'), 'utf8')).toBe('written while no daemon ran\n');
  });

  it('watches: a saved file is backed up without a scan, and a kill -9 with the change pending loses nothing', async () => {
    const d = await startDaemon();
    // The start-up scan finds nothing new (earlier tests backed the folder up): wait until it is over.
    await until(() => afterScan(d).some((l) => l.event === 'status' && l.protection?.mode === 'watching' && l.protection.activity === 'idle'), waitingFor(d, 'the watcher up and the scan over'));
    const backups = (c: Child): number => lines(c).filter((l) => l.event === 'backup').length;
    const before = backups(d);
    // The next scheduled scan is an hour away: only the watcher can start this backup.
    const saved = join(src, 'saved.txt');
    writeFileSync(saved, 'saved by the user\n');
    await until(() => backups(d) > before, waitingFor(d, 'the saved file backed up'));
    const out = join(f.dir, 'out-watched');
    expect((await havre(['restore', 'latest', '--target', out, '--path', saved])).code).toBe(0);
    expect(readFileSync(join(out, 'saved.txt'), 'utf8')).toBe('saved by the user\n');

    // Killed once the change is queued (or, at worst, while its backup runs): the next daemon protects it.
    const pending = join(src, 'pending.txt');
    const statusLines = lines(d).length;
    writeFileSync(pending, 'queued when the daemon was killed\n');
    await until(() => lines(d).slice(statusLines).some((l) => l.event === 'status' && (l.protection?.pendingFiles ?? 0) > 0), waitingFor(d, 'the change queued'));
    d.child.kill('SIGKILL');
    await d.done;
    const next = await startDaemon();
    // (its start-up scan backs the file up, unless the killed daemon had finished doing so)
    await until(() => afterScan(next).some((l) => l.event === 'status' && l.protection?.activity === 'idle' && l.protection.pendingFiles === 0), waitingFor(next, 'the queue empty after restart'));
    const out2 = join(f.dir, 'out-pending');
    expect((await havre(['restore', 'latest', '--target', out2, '--path', pending])).code).toBe(0);
    expect(readFileSync(join(out2, 'pending.txt'), 'utf8')).toBe('queued when the daemon was killed\n');
  });

  it('without a repository it says how to make one', async () => {
    const r = await runHavre(['daemon', '--json'], { ...env, HAVRE_HOME: join(f.dir, 'empty-home') });
    expect(r.code).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('NO_REPO_CONFIGURED');
  });
});
