// The audit log's verifier names the first event that was edited, deleted, reordered or re-sealed
// (invariant 5), on the real SQLite file, and says what it cannot see (truncation of the newest).
// Bad inputs tried: an edited field, an edited field with the hash recomputed (re-sealed), a
// re-sealed tail after an event without MAC, a deleted middle event, two swapped rows, the newest
// events deleted, a file list moved to another event, a hand-edited (not SQLite) file, a damaged
// JSON row, a forged checkpoint after pruning, exports cut short or edited.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventHash } from '../../../src-main/engine/appliance/protocol.js';
import { AuditLog, auditFile, exportCsv, exportJsonl, FileListCollector, verifyExport } from '../../../src-main/engine/audit/index.js';
import { deriveAuditKeys } from '../../../src-main/engine/audit/auditKeys.js';
import { clockWarnings } from '../../../src-main/engine/audit/clock.js';
import { isHavreError } from '../../../src-main/engine/errors/index.js';

const REPO = 'ab'.repeat(16);
let home: string;
let kLog: Buffer;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'havre-audit-'));
  kLog = randomBytes(32);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function files(...paths: string[]): FileListCollector {
  const c = new FileListCollector();
  for (const p of paths) c.add(p);
  return c;
}

/** A log of five events, the second with a file list. */
function fiveEvents(now?: () => Date): AuditLog {
  const log = AuditLog.open(home, REPO, kLog, now);
  log.record('job.done', { job: 'backup', n: 1 });
  log.record('job.done', { job: 'backup', n: 2 }, files('/home/alice/secret plan.odt', '/home/alice/b.txt'));
  log.record('job.done', { job: 'restore', n: 3 });
  log.record('job.failed', { job: 'backup', n: 4, error: 'APPLIANCE_UNREACHABLE' });
  log.record('job.done', { job: 'verify', n: 5 });
  return log;
}

function db(): Database.Database {
  return new Database(auditFile(home, REPO));
}

/** Sets a row's data and, with `reseal`, recomputes its hash and every later hash and prev (no MAC). */
function rewrite(seq: number, data: Record<string, unknown>, reseal: boolean): void {
  const d = db();
  const rows = d.prepare('SELECT id, seq, time, type, data, prev, hash FROM events ORDER BY id').all() as { id: number; seq: number; time: string; type: string; data: string; prev: string; hash: string }[];
  let prev: string | null = null;
  for (const r of rows) {
    const before: string = prev ?? r.prev;
    if (r.seq < seq) continue;
    const e = { seq: r.seq, time: r.time, type: r.type, data: r.seq === seq ? data : (JSON.parse(r.data) as Record<string, unknown>), prev: before };
    const hash: string = reseal ? eventHash(e) : r.hash;
    d.prepare('UPDATE events SET data = ?, prev = ?, hash = ? WHERE id = ?').run(JSON.stringify(e.data), e.prev, hash, r.id);
    if (!reseal) break;
    prev = hash;
  }
  d.close();
}

describe('the audit log (invariant 5)', () => {
  it('an untouched log verifies, with every MAC checked, and a reopened log goes on from its head', () => {
    fiveEvents().close();
    const log = AuditLog.open(home, REPO, kLog);
    log.record('unlock', { via: 'password' });
    const r = log.verify();
    expect(r).toMatchObject({ ok: true, events: 6, macChecked: true, unauthenticated: 0, firstBreak: null });
    expect(r.head.seq).toBe(6);
    log.close();
  });

  it('a file list is sealed: no name on disk in clear, opened with K_log, refused when moved to another event', () => {
    const log = fiveEvents();
    const e = log.events()[1]!;
    expect(log.filesOf(e)).toEqual(['/home/alice/secret plan.odt', '/home/alice/b.txt']);
    expect((e.data.files as { count: number }).count).toBe(2);
    log.close();
    const raw = db().prepare('SELECT data FROM events').all().map((r) => JSON.stringify(r)).join('\n');
    expect(raw).not.toContain('secret plan');
    expect(raw).not.toContain('alice/b.txt');
    // Moving the sealed list onto event 3 (and re-sealing the chain) does not make it open there.
    const reopened = AuditLog.open(home, REPO, kLog);
    const moved = { ...reopened.events()[2]!, data: { ...reopened.events()[2]!.data, files: e.data.files } };
    let err: unknown;
    try {
      reopened.filesOf(moved);
    } catch (x) {
      err = x;
    }
    expect(isHavreError(err, 'AUDIT_LOG_DAMAGED')).toBe(true);
    reopened.close();
  });

  it('edited: a changed field is named at its event', () => {
    fiveEvents().close();
    rewrite(3, { job: 'restore', n: 333 }, false);
    const log = AuditLog.open(home, REPO, kLog);
    expect(log.verify().firstBreak).toMatchObject({ seq: 3, kind: 'edited' });
    log.close();
  });

  it('re-sealed: a changed event with every hash recomputed is internally consistent; the MAC names it', () => {
    fiveEvents().close();
    rewrite(3, { job: 'restore', n: 333 }, true);
    const chainOnly = AuditLog.open(home, REPO, null);
    expect(chainOnly.verify().ok).toBe(true); // the hash chain alone cannot tell
    chainOnly.close();
    const log = AuditLog.open(home, REPO, kLog);
    expect(log.verify().firstBreak).toMatchObject({ seq: 3, kind: 'resealed' });
    log.close();
  });

  it('deleted: a removed event is named, as missing', () => {
    fiveEvents().close();
    const d = db();
    d.prepare('DELETE FROM events WHERE seq = 2').run();
    d.close();
    const log = AuditLog.open(home, REPO, kLog);
    expect(log.verify().firstBreak).toMatchObject({ seq: 2, kind: 'missing' });
    log.close();
  });

  it('reordered: two swapped rows are named', () => {
    fiveEvents().close();
    const d = db();
    const rows = d.prepare('SELECT * FROM events WHERE seq IN (2, 3) ORDER BY id').all() as Record<string, unknown>[];
    const put = d.prepare('UPDATE events SET seq = @seq, time = @time, type = @type, data = @data, prev = @prev, hash = @hash, mac = @mac WHERE id = @target');
    put.run({ ...rows[1], target: rows[0]!.id });
    put.run({ ...rows[0], target: rows[1]!.id });
    d.close();
    const log = AuditLog.open(home, REPO, kLog);
    expect(log.verify().firstBreak).toMatchObject({ seq: 3, kind: 'reordered' }); // 3 stands where 2 should
    log.close();
  });

  it('truncated: deleting the newest events is not visible locally (said honestly); an export header shows it', () => {
    const log = fiveEvents();
    const exported = exportJsonl(log, log.events());
    log.close();
    const d = db();
    d.prepare('DELETE FROM events WHERE seq >= 4').run();
    d.close();
    const cut = AuditLog.open(home, REPO, kLog);
    expect(cut.verify()).toMatchObject({ ok: true, head: { seq: 3 } });
    cut.close();
    // An export cut after its header was written is caught by the header's head.
    const lines = exported.trim().split('\n');
    const r = verifyExport(lines.slice(0, 4).join('\n'), deriveAuditKeys(kLog).mac, REPO);
    expect(r.firstBreak).toMatchObject({ seq: 4, kind: 'missing' });
  });

  it('an event written without the key (a failed password) is vouched for by the next MAC; a re-seal before it is bracketed', () => {
    const log = fiveEvents();
    log.close();
    const noKey = AuditLog.open(home, REPO, null);
    noKey.record('unlock.failed', { error: 'WRONG_PASSWORD', via: 'password' });
    noKey.close();
    const keyed = AuditLog.open(home, REPO, kLog);
    keyed.record('unlock', { via: 'password' });
    expect(keyed.verify()).toMatchObject({ ok: true, unauthenticated: 1 });
    keyed.close();
    rewrite(6, { error: 'NOTHING', via: 'password' }, true);
    const check = AuditLog.open(home, REPO, kLog);
    expect(check.verify().firstBreak).toMatchObject({ seq: 7, kind: 'resealed' });
    expect(check.verify().firstBreak!.reason).toContain('6–7');
    check.close();
  });

  it('a hand-edited file that is no longer SQLite, or a damaged row, is a clear AUDIT_LOG_DAMAGED', () => {
    fiveEvents().close();
    const d = db();
    d.prepare("UPDATE events SET data = '{not json' WHERE seq = 2").run();
    d.close();
    const log = AuditLog.open(home, REPO, kLog);
    expect(() => log.verify()).toThrow(/audit log/i);
    log.close();
    for (const s of ['-wal', '-shm']) rmSync(auditFile(home, REPO) + s, { force: true });
    writeFileSync(auditFile(home, REPO), 'seq,time\n1,yesterday\n');
    let err: unknown;
    try {
      AuditLog.open(home, REPO, kLog).verify();
    } catch (x) {
      err = x;
    }
    expect(isHavreError(err, 'AUDIT_LOG_DAMAGED')).toBe(true);
  });

  it('pruning keeps the rest verifiable through a MAC’d checkpoint; a forged checkpoint is named', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const log = fiveEvents(() => new Date((t += 30 * 86_400_000)));
    const dropped = log.prune(100);
    expect(dropped).toBeGreaterThan(0);
    expect(log.verify()).toMatchObject({ ok: true });
    expect(log.checkpoint().seq).toBe(dropped);
    // Never past what the appliance has not acknowledged.
    expect(log.prune(0, 4)).toBe(4 - 1 - dropped);
    log.close();
    const d = db();
    const cp = JSON.parse((d.prepare("SELECT value FROM meta WHERE key = 'checkpoint'").get() as { value: string }).value) as { seq: number };
    d.prepare("UPDATE meta SET value = ? WHERE key = 'checkpoint'").run(JSON.stringify({ ...cp, mac: 'ff'.repeat(32) }));
    d.close();
    const forged = AuditLog.open(home, REPO, kLog);
    expect(forged.verify().firstBreak).toMatchObject({ kind: 'checkpoint' });
    forged.close();
  });

  it('exports: JSONL verifies elsewhere (chain without the key, MACs with it); an edited line is named; CSV is quoted and formula-safe', () => {
    const log = fiveEvents();
    log.record('job.done', { job: '=HYPERLINK("x")' }, files('/a,b"c.txt'));
    const jsonl = exportJsonl(log, log.events());
    expect(verifyExport(jsonl, null)).toMatchObject({ ok: true, macChecked: false, events: 6 });
    expect(verifyExport(jsonl, deriveAuditKeys(kLog).mac, REPO)).toMatchObject({ ok: true, macChecked: true });
    expect(jsonl).toContain('secret plan.odt'); // the export is for people: lists opened
    const edited = jsonl.replace('"n":3', '"n":4');
    expect(verifyExport(edited, null).firstBreak).toMatchObject({ seq: 3, kind: 'edited' });
    // A --since export starts at a MAC'd checkpoint of its own.
    const tail = exportJsonl(log, log.events().slice(3));
    expect(verifyExport(tail, deriveAuditKeys(kLog).mac, REPO)).toMatchObject({ ok: true, first: 4 });
    expect(() => verifyExport('{"format":"other"}\n', null)).toThrow(/audit log/i);
    expect(() => verifyExport(jsonl, null, 'cd'.repeat(16))).toThrow(/belongs to repository/);
    const csv = exportCsv(log, log.events());
    expect(csv.split('\r\n')[0]).toBe('seq,time,type,job,outcome,by,files,paths,details,prev,hash,mac');
    expect(csv).toContain(`'=HYPERLINK(""x"")`);
    expect(csv).toContain('"/a,b""c.txt"');
    log.close();
  });

  it('a long file list is capped (count and keyed digest of all, the first paths sealed) and the event stays under 16 KiB', () => {
    const log = AuditLog.open(home, REPO, kLog);
    const many = new FileListCollector();
    for (let i = 0; i < 50_000; i++) many.add(`/home/alice/projects/${i % 97}/file-${randomBytes(6).toString('hex')}-${i}.txt`);
    const e = log.record('job.done', { job: 'backup' }, many);
    const list = e.data.files as { count: number; listed: number; digest: string };
    expect(list.count).toBe(50_000);
    expect(list.listed).toBeGreaterThan(100);
    expect(list.listed).toBeLessThan(50_000);
    expect(Buffer.byteLength(JSON.stringify(e.data))).toBeLessThan(16 * 1024);
    expect(log.filesOf(e)).toHaveLength(list.listed);
    log.close();
  });

  it('the clock: time going back and a wall clock running ahead of the monotonic one are flagged', () => {
    const ev = (seq: number, time: string, mono: number) => ({ seq, time, data: { clock: { source: 'system', mono, host: 'pc' } } });
    expect(clockWarnings([ev(1, '2026-01-01T10:00:00Z', 1000), ev(2, '2026-01-01T09:00:00Z', 2000)])).toEqual([{ seq: 2, kind: 'time-went-back', ms: 3_600_000 }]);
    expect(clockWarnings([ev(1, '2026-01-01T10:00:00Z', 1000), ev(2, '2026-01-01T11:00:00Z', 61_000)])).toEqual([{ seq: 2, kind: 'wall-ahead', ms: 3_540_000 }]);
    expect(clockWarnings([ev(1, '2026-01-01T10:00:00Z', 1000), ev(2, '2026-01-01T10:01:00Z', 61_000)])).toEqual([]);
    const log = fiveEvents();
    expect(log.events()[0]!.data.clock).toMatchObject({ source: 'system' });
    log.close();
  });
});

describe('settings changes', () => {
  it('are logged with the keys that changed, never the values, in the configured repository’s log', async () => {
    const { writeHomeConfig } = await import('../../../src-main/engine/home/homeConfig.js');
    const { updateSettings, resetSettings } = await import('../../../src-main/engine/settings/index.js');
    await writeHomeConfig(home, { version: 1, repo: { path: join(home, 'repo'), repoId: REPO } });
    await updateSettings(home, { folders: [join(home, 'Secret Projects')], scanIntervalMinutes: 30 }, home);
    await resetSettings(home, ['scanIntervalMinutes'], home);
    const log = AuditLog.open(home, REPO, kLog);
    const ev = log.events();
    expect(ev.map((e) => [e.type, e.data.keys])).toEqual([['settings.changed', ['folders', 'scanIntervalMinutes']], ['settings.reset', ['scanIntervalMinutes']]]);
    expect(JSON.stringify(ev)).not.toContain('Secret Projects');
    expect(log.verify()).toMatchObject({ ok: true, unauthenticated: 2 });
    log.close();
  });
});
