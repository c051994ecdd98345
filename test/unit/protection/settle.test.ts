import { describe, expect, it } from 'vitest';
import type { ChangeRow } from '../../../src-main/engine/catalog/index.js';
import { changed, DEFAULT_RHYTHM as R } from '../../../src-main/engine/protection/ChangeRhythm.js';
import { settleRun } from '../../../src-main/engine/protection/settle.js';

const row = (path: string, t: number): ChangeRow => changed(path, undefined, t, 10, R);

describe('settling the queue after a backup', () => {
  it('protects what the backup covered, fails what it could not read, re-reads what changed, leaves held-back and away paths pending', () => {
    const rows = ['/d/ok.txt', '/d/busy.pst', '/d/moving.log', '/d/held.odt', '/usb/photo.jpg', '/d/gone.txt'].map((p) => row(p, 1000));
    const out = settleRun({
      takenAt: 5000, now: 6000, rows,
      problems: [
        { path: '/d/busy.pst', kind: 'unreadable', reason: 'in use by another program', errno: 'EBUSY', keptPrevious: true },
        { path: '/d/moving.log', kind: 'changed', reason: 'kept changing', keptPrevious: true },
        { path: '/usb', kind: 'unavailable', reason: 'ENOENT', errno: 'ENOENT', keptPrevious: true },
        { path: '/d/gone.txt', kind: 'vanished', reason: 'deleted while the backup ran', errno: 'ENOENT' },
        { path: '/d/new-locked.db', kind: 'unreadable', reason: 'permission denied', errno: 'EACCES' },
      ],
      unavailable: ['/usb'], heldBack: new Set(['/d/held.odt']),
    }, () => undefined, R);
    const by = new Map(out.map((r) => [r.path, r]));
    expect(by.get('/d/ok.txt')).toMatchObject({ pending: false, protectedMs: 6000 });
    expect(by.get('/d/gone.txt')).toMatchObject({ pending: false });
    expect(by.get('/d/busy.pst')).toMatchObject({ pending: true, attempts: 1, error: { code: 'EBUSY', reason: 'in use by another program' }, dueMs: 6000 + R.retryMs[0]! });
    expect(by.get('/d/moving.log')).toMatchObject({ pending: true, unstable: 1, attempts: 0 });
    expect(by.get('/usb/photo.jpg')).toMatchObject({ pending: true, attempts: 0, dueMs: 6000 + R.awayRetryMs });
    expect(by.has('/d/held.odt')).toBe(false); // untouched: still due later
    // A problem the queue did not know (a full scan found it) becomes a row, to be retried and reported.
    expect(by.get('/d/new-locked.db')).toMatchObject({ pending: true, attempts: 1, error: { code: 'EACCES' } });
    expect(by.has('/usb')).toBe(false);
  });
});
