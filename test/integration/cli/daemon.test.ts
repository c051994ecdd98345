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

interface DaemonLine {
  event: string;
  snapshot?: string;
  protection?: { activity: string; pause: { reason: string } | null };
  pid?: number;
}

function lines(c: Child): DaemonLine[] {
  return c.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as DaemonLine);
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
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

  it('without a repository it says how to make one', async () => {
    const r = await runHavre(['daemon', '--json'], { ...env, HAVRE_HOME: join(f.dir, 'empty-home') });
    expect(r.code).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('NO_REPO_CONFIGURED');
  });
});
