import { describe, expect, it } from 'vitest';
import type { ChangeRow } from '../../../src-main/engine/catalog/index.js';
import { changed, DEFAULT_RHYTHM as R, failed, fresh, protectedAt, unstable } from '../../../src-main/engine/protection/ChangeRhythm.js';

const S = 1000;
const P = '/home/ana/Documents/report.odt';

/** Simulates saves at the given times (s) and a scheduler that backs up whatever is due, every 100 ms. */
function versionsTaken(saves: number[], until: number): number[] {
  let row: ChangeRow | undefined;
  const taken: number[] = [];
  const events = [...saves].sort((a, b) => a - b);
  for (let t = 0; t <= until * S; t += 100) {
    while (events.length && events[0]! * S <= t) {
      events.shift();
      row = changed(P, row, t, 100, R);
    }
    if (row?.pending && row.dueMs <= t) {
      taken.push(t / S);
      row = protectedAt(row, t, t + 50, R); // a 50 ms backup
    }
  }
  return taken;
}

describe('ChangeRhythm: when a changed file is backed up', () => {
  it('reads a file once it has been quiet for a second', () => {
    expect(versionsTaken([0], 5)).toEqual([1]);
    // Three writes of one save, 200 ms apart: one version, a second after the last.
    expect(versionsTaken([0, 0.2, 0.4], 5)).toEqual([1.4]);
  });

  it('takes two versions of a file saved 50 times in a minute, not 50', () => {
    const saves = Array.from({ length: 50 }, (_, i) => i * 1.2);
    const taken = versionsTaken(saves, 60);
    expect(taken.length).toBe(2);
    expect(taken[0]).toBeLessThan(2); // the first save is protected at once
    // After the burst the rhythm slows (10 s, then 60 s), and the last save is protected in the end.
    const all = versionsTaken(saves, 200);
    expect(all.length).toBeLessThanOrEqual(4);
    expect(all.at(-1)).toBeGreaterThan(saves.at(-1)!);
  });

  it('starts the rhythm over once a file has been left alone for ten minutes', () => {
    expect(versionsTaken([0, 2, 700, 702], 800)).toEqual([1, 11.1, 701, 711.1]);
  });

  it('reads a file that is never quiet anyway, a minute after its first change', () => {
    const saves = Array.from({ length: 200 }, (_, i) => i * 0.5); // written every half second for 100 s
    expect(versionsTaken(saves, 70)[0]).toBeCloseTo(60, 0);
  });

  it('a change seen during a backup keeps the path pending; one seen before does not', () => {
    const row = changed(P, undefined, 1000, 10, R);
    expect(protectedAt(row, 2000, 2500, R)).toMatchObject({ pending: false, firstMs: null, protectedMs: 2500, streak: 1 });
    const later = changed(P, row, 2200, 10, R);
    const after = protectedAt(later, 2000, 2500, R);
    expect(after).toMatchObject({ pending: true, firstMs: 2000, protectedMs: 2500 });
    expect(after.dueMs).toBeGreaterThanOrEqual(2500 + R.intervalsMs[1]!);
  });

  it('retries a file that cannot be read with growing delays, and counts it failed from the third attempt', () => {
    let row = fresh(P, 0);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const now = row.dueMs;
      row = failed(row, now, { code: 'EBUSY', reason: 'in use' }, R);
      delays.push(row.dueMs - now);
    }
    expect(delays).toEqual([30, 60, 120, 300, 900, 3600, 3600, 3600].map((s) => s * S));
    expect(row).toMatchObject({ attempts: 8, error: { code: 'EBUSY' }, pending: true });
    // A change to a file that failed keeps its retry date: a file in use that keeps changing is not hammered.
    expect(changed(P, row, row.dueMs - 1000, null, R).dueMs).toBe(row.dueMs);
    // Success clears the count.
    expect(protectedAt(row, row.dueMs, row.dueMs, R)).toMatchObject({ attempts: 0, error: null, pending: false });
  });

  it('reads a file that changed while read again soon, and gives up on it after five tries', () => {
    let row = changed(P, undefined, 0, 1, R);
    for (let i = 1; i < R.unstableLimit; i++) {
      row = unstable(row, i * 10 * S, R);
      expect(row).toMatchObject({ unstable: i, attempts: 0, dueMs: i * 10 * S + R.unstableMs * i });
    }
    row = unstable(row, 100 * S, R);
    expect(row).toMatchObject({ attempts: 1, error: { code: 'CHANGING' } });
  });

  it('a change stamped before the clock was set back counts as seen by the next backup', () => {
    const row = changed(P, undefined, 10 * 3600 * S, 1, R); // stamped at 10:00
    expect(protectedAt(row, 7 * 3600 * S, 7 * 3600 * S + 500, R)).toMatchObject({ pending: false }); // the clock now says 07:00
  });

  it('never sets a due date further than two hours ahead, even from a clock set back', () => {
    const row = changed(P, undefined, 10 * 3600 * S, 1, R);
    const done = protectedAt(row, 10 * 3600 * S, 10 * 3600 * S, R);
    const back = changed(P, done, 3600 * S, 1, R); // the clock jumped nine hours back
    expect(back.dueMs - 3600 * S).toBeLessThanOrEqual(R.maxAheadMs);
  });
});
