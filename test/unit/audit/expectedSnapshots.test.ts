// Which snapshots the audit log says must still exist (rollback detection): written by a backup,
// not forgotten since; a forget announced before it deletes; a forget whose list was cut short
// expects nothing older (no false alarm).
import { describe, expect, it } from 'vitest';
import { expectedSnapshots } from '../../../src-main/engine/audit/index.js';

let seq = 0;
const ev = (type: string, data: Record<string, unknown>) => ({ seq: seq++, time: '2026-12-06T00:00:00Z', type, data, prev: '', hash: '' });
const backup = (id: string, wrote = true) => ev('job.done', { job: 'backup', snapshot: id, wroteSnapshot: wrote });

describe('expectedSnapshots', () => {
  it('keeps what backups wrote, drops what forget named (announced or done), ignores failed jobs and no-op runs', () => {
    const events = [backup('a'), backup('b'), backup('c', false), ev('job.failed', { job: 'backup', snapshot: 'd' }),
      ev('snapshots.forgetting', { count: 1, ids: ['a'] }), backup('e'), ev('job.done', { job: 'forget', forgotten: 1, forgottenIds: ['e'] })];
    expect([...expectedSnapshots(events)]).toEqual(['b']);
  });

  it('a forget killed after announcing it: what it named is not expected', () => {
    expect([...expectedSnapshots([backup('a'), backup('b'), ev('snapshots.forgetting', { count: 2, ids: ['a', 'b'] })])]).toEqual([]);
  });

  it('a list cut short forgets everything before it, and checks what comes after', () => {
    const events = [backup('a'), backup('b'), ev('snapshots.forgetting', { count: 300, ids: ['a'] }), backup('c')];
    expect([...expectedSnapshots(events)]).toEqual(['c']);
  });

  it('hostile data is ignored, not trusted', () => {
    const events = [backup('a'), ev('job.done', { job: 'backup', snapshot: 42, wroteSnapshot: true }), ev('snapshots.forgetting', { ids: 'a', count: 'x' })];
    expect([...expectedSnapshots(events)]).toEqual(['a']);
  });
});
