import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { describeTree } from '../../helpers/trees.js';

const packs = (repo: string): number => readdirSync(join(repo, 'data'), { recursive: true }).map(String).filter((p) => /[0-9a-f]{64}$/.test(p)).length;

describe('forget and prune', () => {
  let f: RepoFixture;
  let src: string;
  const ids: string[] = [];

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'stable.bin'), randomBytes(1024 * 1024));
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(src, 'changing.bin'), randomBytes(3 * 1024 * 1024));
      const r = await f.havre(['backup', src, '--json']);
      expect(r.code, r.stderr).toBe(0);
      ids.push(r.json<{ snapshot: string }>().snapshot);
    }
  });
  afterAll(() => f.cleanup());

  it('a dry run changes nothing', async () => {
    const before = packs(f.repo);
    const r = await f.havre(['forget', '--keep-last', '1', '--prune', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ decision: { forget: unknown[] } }>().decision.forget).toHaveLength(3);
    expect(packs(f.repo)).toBe(before);
    expect((await f.havre(['snapshots', '--json'])).json<unknown[]>()).toHaveLength(4);
  });

  it('an empty policy forgets nothing', async () => {
    const r = await f.havre(['forget', '--json']);
    expect(r.json<{ decision: { forget: unknown[] } }>().decision.forget).toHaveLength(0);
  });

  it('no option: the machine policy’s retention, said so (issue 8); options still win', async () => {
    const root = join(f.dir, 'policy-root');
    mkdirSync(join(root, 'etc/havre'), { recursive: true });
    writeFileSync(join(root, 'etc/havre/policy.json'), JSON.stringify({ version: 1, retention: { keepLast: 2 } }));
    const env = { HAVRE_POLICY_ROOT: root };
    const r = await f.havre(['forget', '--dry-run', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ retention: { keepLast: 2 }, retentionFrom: 'machine-policy' });
    expect(r.json<{ decision: { forget: unknown[] } }>().decision.forget).toHaveLength(2);
    expect((await f.havre(['forget', '--dry-run'], { env })).stdout).toContain('Retention from the machine policy');
    const mine = await f.havre(['forget', '--keep-last', '3', '--dry-run', '--json'], { env });
    expect(mine.json<{ decision: { forget: unknown[] } }>().decision.forget).toHaveLength(1);
  });

  it('keeps the newest snapshot, deletes the data only the others used, and the rest still restores', async () => {
    // A second catalog that knew the old indexes before the prune (another HAVRE_HOME).
    const otherHome = { HAVRE_HOME: join(f.dir, 'other-home') };
    expect((await f.havre(['snapshots', '--json'], { env: otherHome })).code).toBe(0);
    const r = await f.havre(['forget', '--keep-last', '1', '--prune', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ decision: { keep: { id: string }[] }; prune: { packsDeleted: number; packsRewritten: number; bytesFreed: number } }>();
    expect(doc.decision.keep.map((k) => k.id)).toEqual([ids[3]]);
    expect(doc.prune.bytesFreed).toBeGreaterThan(8 * 1024 * 1024);
    const snaps = (await f.havre(['snapshots', '--json'])).json<{ id: string }[]>();
    expect(snaps.map((s) => s.id)).toEqual([ids[3]]);
    const v = await f.havre(['verify', '--read-data', '--json']);
    expect(v.code, v.stdout).toBe(0);
    const out = join(f.dir, 'out');
    expect((await f.havre(['restore', 'latest', '--target', out])).code).toBe(0);
    expect([...(await describeTree(join(out, src))).entries()]).toEqual([...(await describeTree(src)).entries()]);
    // A fresh catalog sees the same repository (the index was rewritten consistently).
    const fresh = await f.havre(['verify', '--json'], { env: { HAVRE_HOME: join(f.dir, 'fresh-home') } });
    expect(fresh.code, fresh.stdout).toBe(0);
    // The catalog that knew the replaced indexes still finds every surviving blob.
    const out2 = join(f.dir, 'out-other');
    const other = await f.havre(['restore', 'latest', '--target', out2, '--json'], { env: otherHome });
    expect(other.code, other.stdout).toBe(0);
    expect([...(await describeTree(join(out2, src))).entries()]).toEqual([...(await describeTree(src)).entries()]);
  });
});
