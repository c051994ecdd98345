// `havre log` on a real repository through the real CLI: every operation leaves an event, the log
// survives `havre repair catalog`, file names are sealed on disk and opened for the user, a failed
// password is logged, tampering is named by `--verify`, and an export checks elsewhere.
// Bad inputs tried: a wrong password, an event edited in the SQLite file, an edited export, an
// export of another repository, `--export xml`, `--since yesterday-ish`, `--file` without `--verify`.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

type LogJson = { events: { seq: number; type: string; data: Record<string, unknown>; paths: string[] }[] };

describe('havre log', () => {
  let f: RepoFixture;
  let src: string;

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'quarterly-salaries.ods'), 'numbers\n'.repeat(100));
    expect((await f.havre(['backup', src])).code).toBe(0);
    expect((await f.havre(['verify'])).code).toBe(0);
    expect((await f.havre(['restore', 'latest', join(f.dir, 'out')])).code).toBe(0);
    expect((await f.havre(['repair', 'catalog'])).code).toBe(0);
    expect((await f.havre(['snapshots'], { env: { HAVRE_PASSWORD: 'not the password' } })).code).toBe(1);
  });
  afterAll(() => f.cleanup());

  it('lists every operation with its files, after repair catalog emptied the catalog', async () => {
    const r = await f.havre(['log', '--json']);
    expect(r.code).toBe(0);
    const { events } = r.json<LogJson>();
    const jobs = events.filter((e) => e.type.startsWith('job.')).map((e) => `${e.type}:${String(e.data.job)}`);
    expect(jobs).toEqual(['job.done:backup', 'job.done:verify', 'job.done:restore', 'job.done:repair']);
    expect(events.some((e) => e.type === 'unlock' && e.data.via === 'password')).toBe(true);
    expect(events.find((e) => e.type === 'unlock.failed')).toMatchObject({ data: { error: 'WRONG_PASSWORD' } });
    const backup = events.find((e) => e.data.job === 'backup')!;
    expect(backup.paths).toEqual([join(src, 'quarterly-salaries.ods')]);
    expect(events.find((e) => e.data.job === 'restore')!.paths.some((p) => p.endsWith('quarterly-salaries.ods'))).toBe(true);
  });

  it('keeps no file name in clear on disk (the audit store, its WAL)', () => {
    const dir = join(f.home, 'audit');
    for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name)).includes('quarterly-salaries')).toBe(false);
  });

  it('--verify: intact, then names the event edited in the file', async () => {
    const ok = await f.havre(['log', '--verify', '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ ok: true, macChecked: true, unauthenticated: 1 });
    const [file] = readdirSync(join(f.home, 'audit')).filter((n) => n.endsWith('.sqlite'));
    const db = new Database(join(f.home, 'audit', file!));
    const row = db.prepare("SELECT seq, data FROM events WHERE type = 'job.done' ORDER BY id LIMIT 1").get() as { seq: number; data: string };
    db.prepare('UPDATE events SET data = ? WHERE seq = ?').run(row.data.replace('"job":"backup"', '"job":"nothing"'), row.seq);
    db.close();
    const bad = await f.havre(['log', '--verify', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    expect(bad.json<{ error: { message: string } }>().error.message).toContain(`event ${row.seq}`);
    // Put it back for the export test.
    const fix = new Database(join(f.home, 'audit', file!));
    fix.prepare('UPDATE events SET data = ? WHERE seq = ?').run(row.data, row.seq);
    fix.close();
  });

  it('--export jsonl verifies with --verify --file; an edited export is named; CSV has a header', async () => {
    const out = join(f.dir, 'audit.jsonl');
    expect((await f.havre(['log', '--export', 'jsonl', '-o', out])).code).toBe(0);
    const good = await f.havre(['log', '--verify', '--file', out, '--json']);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.json()).toMatchObject({ ok: true, macChecked: true });
    const text = readFileSync(out, 'utf8');
    const edited = join(f.dir, 'edited.jsonl');
    writeFileSync(edited, text.replace('"job":"verify"', '"job":"verified"'));
    const bad = await f.havre(['log', '--verify', '--file', edited, '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('AUDIT_CHAIN_BROKEN');
    const other = join(f.dir, 'other.jsonl');
    writeFileSync(other, text.replace(/"repoId":"[0-9a-f]+"/, `"repoId":"${'cd'.repeat(16)}"`));
    expect((await f.havre(['log', '--verify', '--file', other, '--json'])).json<{ error: { code: string } }>().error.code).toBe('AUDIT_LOG_DAMAGED');
    const csv = await f.havre(['log', '--export', 'csv', '--since', '7d']);
    expect(csv.stdout.split('\r\n')[0]).toBe('seq,time,type,job,outcome,by,files,paths,details,prev,hash,mac');
    expect(csv.stdout).toContain('quarterly-salaries.ods');
  });

  it('refuses bad options with a usage error', async () => {
    for (const args of [['--export', 'xml'], ['--since', 'yesterday-ish'], ['--file', 'x.jsonl']]) {
      const r = await f.havre(['log', ...args, '--json']);
      expect(r.code).toBe(1);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('USAGE');
    }
  });
});
