// Rollback detection against the audit log (SECURITY.md invariant 2): the storage side deletes the
// newest snapshot, or puts back an older copy of the whole repository. Every object left is
// authentic, so only the workstation's audit log (authenticated with K_log) can tell: verify names
// the missing snapshots. Snapshots this machine forgot itself are not reported.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

interface VerifyJson {
  ok: boolean;
  problems: { kind: string; object: string; reason: string }[];
}

describe('verify against the audit log: a rolled-back repository is named', () => {
  let f: RepoFixture;
  afterEach(() => f.cleanup());

  const backup = async (src: string, text: string): Promise<string> => {
    writeFileSync(join(src, 'doc.txt'), text);
    const r = await f.havre(['backup', src, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return r.json<{ snapshot: string }>().snapshot;
  };
  const verify = async (): Promise<VerifyJson> => (await f.havre(['verify', '--json'])).json<VerifyJson>();
  const snapshotFile = (id: string): string => join(f.repo, 'snapshots', id);

  it('the newest snapshot deleted, then an older copy of the whole repository put back; its own forget is not an alarm', async () => {
    f = newRepo();
    const src = join(f.dir, 'src');
    mkdirSync(src);
    const first = await backup(src, 'one');
    const second = await backup(src, 'two');
    const copy = join(f.dir, 'repo-after-two');
    cpSync(f.repo, copy, { recursive: true });
    const third = await backup(src, 'three');
    expect((await verify()).ok).toBe(true);

    // Forgotten by this machine: not a rollback.
    const forget = await f.havre(['forget', '--keep-last', '2', '--json']);
    expect(forget.code, forget.stderr).toBe(0);
    expect((await verify()).ok).toBe(true);

    // The storage side deletes the newest snapshot.
    rmSync(snapshotFile(third));
    let v = await verify();
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'snapshot', object: third, reason: expect.stringMatching(/audit log.*missing from the repository/) })]);

    // The whole repository put back to its state after the second backup (first still there, third gone).
    rmSync(f.repo, { recursive: true });
    cpSync(copy, f.repo, { recursive: true });
    v = await verify();
    expect(v.problems.map((p) => p.object)).toEqual([third]);
    expect(v.problems.map((p) => p.object)).not.toContain(first); // forgotten by this machine, and back: not an alarm
    expect(second).not.toBe(third);
  });
});
