import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { describeTree } from '../../helpers/trees.js';

function packCount(repo: string): number {
  return readdirSync(join(repo, 'data'), { recursive: true }).map(String).filter((p) => /[0-9a-f]{64}$/.test(p)).length;
}

describe('a backup killed with SIGKILL loses nothing and the next one resumes', () => {
  let f: RepoFixture;
  let src: string;

  beforeAll(() => {
    f = newRepo();
    src = join(f.dir, 'src');
    for (let d = 0; d < 6; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(src, `d${d}`, `f${i}.bin`), randomBytes(5 * 1024 * 1024));
    }
  });
  afterAll(() => f.cleanup());

  it('kills after the first packs land, resumes without re-storing them, verifies and restores', async () => {
    const child = spawn(process.execPath, ['bin/havre.js', 'backup', src, '--repo', f.repo, '--json'], { cwd: ROOT, env: { ...process.env, ...f.env }, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    while (packCount(f.repo) < 3 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    const packsAtKill = packCount(f.repo);
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
    expect(packsAtKill).toBeGreaterThanOrEqual(3);
    expect(readdirSync(join(f.repo, 'snapshots'))).toHaveLength(0);

    // The killed process's lock is stale (its pid is gone): the next backup takes it over.
    const r = await f.havre(['backup', src, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ storedBytes: number; summary: { bytes: number } }>();
    // Resumed: what the killed run stored is not stored again.
    expect(doc.storedBytes).toBeLessThan(doc.summary.bytes - 2 * 1024 * 1024);

    const v = await f.havre(['verify', '--read-data', '--json']);
    expect(v.code, v.stdout).toBe(0);
    expect(v.json<{ unindexedPacks: number }>().unindexedPacks).toBe(0);
    const out = join(f.dir, 'out');
    expect((await f.havre(['restore', 'latest', '--target', out])).code).toBe(0);
    expect([...(await describeTree(join(out, src))).entries()]).toEqual([...(await describeTree(src)).entries()]);
  });

  it('a catalog deleted outright is rebuilt from the repository with only the password', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(join(f.home, 'catalogs'), { recursive: true, force: true });
    const r = await f.havre(['repair', 'catalog', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ snapshots: number }>().snapshots).toBe(1);
    const b = await f.havre(['backup', src, '--json']);
    expect(b.json<{ summary: { addedBytes: number } }>().summary.addedBytes).toBeLessThan(8192);
  });

  it('a catalog damaged on disk: commands say to repair it, and repair rebuilds it', async () => {
    const { readdirSync: ls, writeFileSync: write } = await import('node:fs');
    const file = ls(join(f.home, 'catalogs')).find((n) => n.endsWith('.sqlite'))!;
    for (const n of ls(join(f.home, 'catalogs'))) if (n.startsWith(file)) write(join(f.home, 'catalogs', n), 'this is not a database, just garbage '.repeat(200));
    const broken = await f.havre(['snapshots', '--json']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('havre repair catalog');
    const r = await f.havre(['repair', 'catalog', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await f.havre(['snapshots', '--json'])).json<unknown[]>()).toHaveLength(2);
  });

  it('a restore killed with SIGKILL leaves only temporary files; the next restore removes them and restores byte for byte', async () => {
    const out = join(f.dir, 'out-killed');
    const temps = (): string[] => {
      try {
        return readdirSync(out, { recursive: true }).map(String).filter((p) => /\.havre-restore-[0-9a-f]{12}$/.test(p));
      } catch {
        return [];
      }
    };
    const child = spawn(process.execPath, ['bin/havre.js', 'restore', 'latest', '--target', out, '--repo', f.repo, '--json'], { cwd: ROOT, env: { ...process.env, ...f.env }, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    while (temps().length === 0 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
    expect(temps().length).toBeGreaterThan(0);
    expect(readdirSync(join(f.home, 'restores'))).toHaveLength(1); // its note, left by the killed process

    const r = await f.havre(['restore', 'latest', '--target', out, '--conflict', 'overwrite', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(temps()).toEqual([]);
    expect(readdirSync(join(f.home, 'restores'))).toEqual([]);
    expect([...(await describeTree(join(out, src))).entries()]).toEqual([...(await describeTree(src)).entries()]);
  });
});
