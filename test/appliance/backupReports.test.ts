// What IT hears about backups (issue 7), on the appliance with a manual clock: a machine that
// still reports but completes no backup for days raises NO_BACKUP (a silent one stays
// MACHINE_SILENT only); failed jobs, damage found by a verification and viruses reported in the
// machine's events become alerts; the periodic summary goes out once per period; old events are
// dropped after the retention. Bad inputs tried: events whose data lacks job/error fields, a
// status whose lastBackup time is not a date, a cancelled job (no alert).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../appliance/clock.js';
import { chainEvents, type ChainHead } from '../../src-main/engine/appliance/protocol.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { enroll, type TestMachine } from './helpers/machines.js';

const DAY = 24 * HOUR_MS;

describe('backup reports for IT', () => {
  let t: TestAppliance;
  let m: TestMachine;
  let head: ChainHead = { seq: 0, hash: '0'.repeat(64) };

  const heartbeat = (lastBackup: unknown): ReturnType<typeof call> =>
    call(t, 'POST', '/v1/machine/heartbeat', { id: m.id, json: { status: { lastBackup }, config: {} } });
  const report = async (type: string, data: Record<string, unknown>): Promise<void> => {
    const evs = chainEvents(head, [{ time: new Date(t.clock.now()).toISOString(), type, data }]);
    expect((await call(t, 'POST', '/v1/machine/events', { id: m.id, json: { events: evs } })).status).toBe(200);
    head = { seq: evs[0]!.seq, hash: evs[0]!.hash };
  };
  const open = (type: string): number => t.app.alerts.list({ machineId: m.machineId }).filter((a) => a.type === type && a.open).length;

  beforeAll(async () => {
    t = await startAppliance({ config: (c) => ({ ...c, summaryHours: 24 }) });
    m = await enroll(t, { host: 'PC-FAILING' });
  });
  afterAll(() => t.stop());

  it('a machine that reports but completes no backup for longer than its window raises NO_BACKUP, closed by a fresh backup', async () => {
    expect((await heartbeat({ snapshot: 'a'.repeat(64), time: new Date(t.clock.now()).toISOString(), files: 1, bytes: 1 })).status).toBe(200);
    const backedUp = t.clock.now();
    await t.app.tick();
    expect(open('NO_BACKUP')).toBe(0);
    // Four days of heartbeats every 3 hours, each saying the same old last backup.
    for (let h = 0; h < 96; h += 3) {
      t.clock.advance(3 * HOUR_MS);
      await heartbeat({ snapshot: 'a'.repeat(64), time: new Date(backedUp).toISOString(), files: 1, bytes: 1 });
      await t.app.tick();
    }
    expect(open('NO_BACKUP')).toBe(1);
    expect(open('MACHINE_SILENT')).toBe(0);
    const a = t.app.alerts.list({ machineId: m.machineId }).find((x) => x.type === 'NO_BACKUP')!;
    expect(a.message).toMatch(/still reports .* but has not completed a backup since/);
    // A garbled lastBackup time counts as none: still overdue, no crash.
    await heartbeat({ time: 'yesterday' });
    expect((await t.app.tick()).machinesWithoutBackup).toBe(0); // already open: not raised twice
    await heartbeat({ snapshot: 'b'.repeat(64), time: new Date(t.clock.now()).toISOString(), files: 2, bytes: 2 });
    await t.app.tick();
    expect(open('NO_BACKUP')).toBe(0);
  });

  it('a silent machine is MACHINE_SILENT, not also NO_BACKUP', async () => {
    const quiet = await enroll(t, { host: 'PC-QUIET' });
    await call(t, 'POST', '/v1/machine/heartbeat', { id: quiet.id, json: { status: {}, config: {} } });
    t.clock.advance(80 * HOUR_MS);
    await t.app.tick();
    const types = t.app.alerts.list({ machineId: quiet.machineId }).filter((a) => a.open).map((a) => a.type);
    expect(types).toContain('MACHINE_SILENT');
    expect(types).not.toContain('NO_BACKUP');
  });

  it('failed jobs, damage and viruses from the machine’s events become alerts', async () => {
    await report('job.failed', { job: 'backup', error: 'SOURCE_NOT_FOUND' });
    await report('job.failed', { job: 'backup', error: 'SOURCE_NOT_FOUND' });
    expect(open('JOB_FAILED')).toBe(1); // a condition: continuous retries do not flood the sinks
    await report('job.failed', { job: 'backup', error: 'JOB_CANCELLED' });
    await report('job.done', { job: 'backup' });
    expect(open('JOB_FAILED')).toBe(0);
    await report('job.failed', { job: 'verify', error: 'INTEGRITY' });
    await report('virus.found', { signatures: ['Havre-Test.EICAR.UNOFFICIAL'], count: 1, files: { count: 1, listed: 1, digest: 'x', sealed: 'AAAA' } });
    await report('job.failed', {}); // no job, no error: still reported, in words
    const mine = t.app.alerts.list({ machineId: m.machineId });
    expect(mine.find((a) => a.type === 'VERIFY_FAILED')!.message).toContain('INTEGRITY');
    expect(mine.find((a) => a.type === 'VIRUS_FOUND')!.message).toContain('Havre-Test.EICAR.UNOFFICIAL');
    expect(mine.filter((a) => a.type === 'JOB_FAILED' && a.open)[0]!.message).toContain('a job failed (unknown error)');
  });

  it('the summary for IT goes out once per period, with the machines behind', async () => {
    t.clock.advance(DAY);
    const first = await t.app.tick();
    expect(first.summarySent).toBe(true);
    expect((await t.app.tick()).summarySent).toBe(false);
    const summary = t.app.alerts.list({ all: true }).find((a) => a.type === 'SUMMARY')!;
    expect(summary.message).toMatch(/Summary of the last 24 h: \d+ machine\(s\)/);
    expect(summary.message).toContain('PC-QUIET');
    t.clock.advance(DAY);
    expect((await t.app.tick()).summarySent).toBe(true);
  });

  it('events older than the retention (400 days by default) are dropped; the chain head stays', async () => {
    const before = t.app.events.list({ machineId: m.machineId }).length;
    expect(before).toBeGreaterThan(0);
    t.clock.advance(401 * DAY);
    const r = await t.app.tick();
    expect(r.eventsPruned).toBeGreaterThanOrEqual(before);
    expect(t.app.events.list({ machineId: m.machineId })).toHaveLength(0);
    expect(t.app.events.head(m.machineId)).toEqual(head);
  });
});
