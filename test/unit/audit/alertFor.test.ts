// Which audit events become OS alerts, in both languages, and the overdue rule. Bad inputs tried:
// an unknown error code, a missing job, a cancelled job, an event type nobody alerts on.
import { describe, expect, it } from 'vitest';
import { alertFor, overdueAlert } from '../../../src-main/engine/alerts/index.js';

const ev = (type: string, data: Record<string, unknown>) => ({ seq: 7, time: '2026-03-01T10:00:00.000Z', type, data });

describe('alertFor', () => {
  it('a failed backup, restore, verification, copy and a virus are alerts; ids are stable per condition', () => {
    expect(alertFor(ev('job.failed', { job: 'backup', error: 'SOURCE_NOT_FOUND' }))).toMatchObject({ id: 'backup-failed', kind: 'backup-failed', code: 'SOURCE_NOT_FOUND' });
    expect(alertFor(ev('job.failed', { job: 'restore', error: 'TARGET_FULL' }))).toMatchObject({ id: 'restore-failed:7', kind: 'restore-failed' });
    expect(alertFor(ev('job.failed', { job: 'verify', error: 'INTEGRITY' }))).toMatchObject({ kind: 'verify-failed', severity: 'critical' });
    expect(alertFor(ev('upload.failed', { target: 'cloud', error: 'STORE_UNAVAILABLE' }))).toMatchObject({ id: 'upload-failed:cloud', kind: 'upload-failed' });
    const v = alertFor(ev('virus.found', { signatures: ['Eicar-Test'], count: 2 }))!;
    expect(v).toMatchObject({ kind: 'virus-found', severity: 'critical' });
    expect(v.message).toContain('2 infected file(s) (Eicar-Test)');
    expect(v.messageFr).toContain('2 fichier(s) infecté(s)');
  });

  it('a message never shows a raw {placeholder}; an unknown code is named as such', () => {
    const a = alertFor(ev('job.failed', { job: 'backup', error: 'SOURCE_NOT_FOUND' }))!;
    expect(a.message).not.toMatch(/\{\w+\}/);
    expect(a.messageFr).not.toMatch(/\{\w+\}/);
    expect(alertFor(ev('job.failed', { job: 'backup', error: 'NO_SUCH_CODE' }))!.message).toContain('error NO_SUCH_CODE');
  });

  it('no alert for a cancelled job, a job nobody alerts on, or a successful one', () => {
    expect(alertFor(ev('job.failed', { job: 'backup', error: 'JOB_CANCELLED' }))).toBeNull();
    expect(alertFor(ev('job.failed', {}))).toBeNull();
    expect(alertFor(ev('job.done', { job: 'backup' }))).toBeNull();
    expect(alertFor(ev('unlock.failed', { error: 'WRONG_PASSWORD' }))).toBeNull();
  });

  it('overdue: a day after the last completed backup (or the start), in days or hours', () => {
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    expect(overdueAlert(t0, t0, t0 + 23 * 3_600_000)).toBeNull();
    expect(overdueAlert(t0, t0, t0 + 50 * 3_600_000)!.message).toContain('for 2 day(s)');
    expect(overdueAlert(null, t0, t0 + 30 * 3_600_000)!.message).toContain('No backup of this computer has completed yet');
    expect(overdueAlert(t0, t0, t0 + 3 * 3_600_000, 2 * 3_600_000)!.messageFr).toContain('3 heure(s)');
  });
});
