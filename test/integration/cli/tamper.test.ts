import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHavre } from '../../helpers/cli.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

type Verify = { ok: boolean; problems: { kind: string; object: string }[]; affected: { snapshot: string; path: string }[] };
type Restore = { failed: { path: string; code: string }[]; files: number };

function objects(repo: string, kind: string): string[] {
  return readdirSync(join(repo, kind), { recursive: true }).map(String)
    .filter((p) => /[0-9a-f]{64}$/.test(p)).map((p) => join(repo, kind, p));
}

function flipBit(file: string, at: number): void {
  const b = readFileSync(file);
  b[at] = b[at]! ^ 0x10;
  writeFileSync(file, b);
}

describe('tampering with any object is detected and never restored as good data', () => {
  let f: RepoFixture;
  let src: string;

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'doc.txt'), 'important words\n'.repeat(1000));
    writeFileSync(join(src, 'photo.bin'), randomBytes(2 * 1024 * 1024));
    expect((await f.havre(['backup', src])).code).toBe(0);
  });
  afterAll(() => f.cleanup());

  /** A copy of the repository with one change, opened with an empty catalog (HAVRE_HOME). */
  function tampered(name: string, change: (repo: string) => void): { repo: string; run: (args: string[]) => ReturnType<typeof runHavre> } {
    const repo = join(f.dir, `t-${name}`);
    cpSync(f.repo, repo, { recursive: true });
    change(repo);
    const env = { ...f.env, HAVRE_HOME: join(f.dir, `home-${name}`) };
    return { repo, run: (args) => runHavre([...args, '--json', '--repo', repo], env) };
  }

  it('config: one flipped bit makes the repository refuse to open', async () => {
    const t = tampered('config', (r) => flipBit(objects(r, 'config')[0]!, 30));
    const r = await t.run(['snapshots']);
    expect(r.code).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('REPO_CONFIG_INVALID');
  });

  it('keys: one flipped bit in the key record is refused', async () => {
    const t = tampered('keys', (r) => {
      const file = objects(r, 'keys')[0]!;
      const text = readFileSync(file, 'utf8');
      flipBit(file, text.indexOf('"sealed"') + 20);
    });
    const r = await t.run(['snapshots']);
    expect(r.code).toBe(1);
    expect(['REPO_CONFIG_INVALID', 'WRONG_PASSWORD', 'INTEGRITY']).toContain(r.json<{ error: { code: string } }>().error.code);
  });

  it('snapshot: a flipped bit is reported, and the damaged snapshot is not offered', async () => {
    const t = tampered('snapshot', (r) => flipBit(objects(r, 'snapshots')[0]!, 40));
    const s = await t.run(['snapshots']);
    expect(s.code).toBe(0);
    expect(s.json<unknown[]>()).toHaveLength(0);
    expect(s.stderr).toContain('damaged');
    const v = await t.run(['verify']);
    expect(v.code).toBe(1);
    expect(v.json<Verify>().problems.map((p) => p.kind)).toContain('snapshot');
  });

  it('index: a flipped bit is reported by verify, and restore refuses files it can no longer locate', async () => {
    const t = tampered('index', (r) => flipBit(objects(r, 'index')[0]!, 50));
    const v = await t.run(['verify']);
    expect(v.code).toBe(1);
    const doc = v.json<Verify>();
    expect(doc.problems.map((p) => p.kind)).toContain('index');
    const out = join(f.dir, 'out-index');
    const r = await t.run(['restore', 'latest', '--target', out]);
    expect(r.code).not.toBe(0);
    expect(existsSync(join(out, src, 'doc.txt'))).toBe(false);
  });

  for (const [what, pick] of [['blob area', (size: number) => Math.floor(size / 3)], ['pack header', (size: number) => size - 30]] as const) {
    it(`pack ${what}: verify --read-data names the pack and the affected files`, async () => {
      const t = tampered(`pack-${what.replace(' ', '-')}`, (r) => {
        for (const p of objects(r, 'data')) flipBit(p, pick(statSync(p).size));
      });
      const v = await t.run(['verify', '--read-data']);
      expect(v.code).toBe(1);
      const doc = v.json<Verify>();
      expect(doc.problems.some((p) => p.kind === 'pack')).toBe(true);
      expect(doc.affected.length).toBeGreaterThan(0);
    });
  }

  it('a damaged data blob: restore fails that file, writes nothing wrong, restores the others', async () => {
    // Find the pack holding the random photo (the larger data pack) and damage its blob area.
    const t = tampered('blob', (r) => {
      const packs = objects(r, 'data').sort((a, b) => statSync(b).size - statSync(a).size);
      flipBit(packs[0]!, 1000);
    });
    const out = join(f.dir, 'out-blob');
    const r = await t.run(['restore', 'latest', '--target', out]);
    expect(r.code).toBe(3);
    const doc = r.json<Restore>();
    expect(doc.failed.map((x) => x.code)).toContain('INTEGRITY');
    for (const failed of doc.failed) expect(existsSync(join(out, failed.path))).toBe(false);
    const restored = readdirSync(join(out, src));
    for (const name of restored) expect(readFileSync(join(out, src, name)).equals(readFileSync(join(src, name)))).toBe(true);
    expect(readdirSync(join(out, src)).filter((n) => n.startsWith('.havre-restore-'))).toEqual([]);
  });

  it('a truncated pack and a missing pack are found by verify, with the affected files', async () => {
    for (const [name, change] of [
      ['truncated', (p: string) => truncateSync(p, Math.floor(statSync(p).size / 2))],
      ['missing', (p: string) => rmSync(p)],
      ['swapped', (p: string, other: string) => writeFileSync(p, readFileSync(other))],
    ] as const) {
      const t = tampered(name, (r) => {
        const packs = objects(r, 'data');
        change(packs[0]!, packs[1]!);
      });
      const v = await t.run(['verify', '--read-data']);
      expect(v.code, name).toBe(1);
      expect(v.json<Verify>().affected.length, name).toBeGreaterThan(0);
    }
  });

  it('the untouched repository still verifies clean', async () => {
    const v = await f.havre(['verify', '--read-data', '--json']);
    expect(v.code, v.stdout).toBe(0);
  });
});
