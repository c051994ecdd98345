import { describe, expect, it } from 'vitest';
import { applyRetention, parseKeepWithin, type RetentionPolicy } from '../../../src-main/engine/jobs/forget/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Snap = { id: string; time: string; tags: string[] };
const snap = (time: string, tags: string[] = []): Snap => ({ id: time, time, tags });
const kept = (snaps: Snap[], policy: RetentionPolicy, now = new Date('2100-01-01T00:00:00Z')): string[] =>
  applyRetention(snaps, policy, now).keep.map((k) => k.id);

/** One snapshot a day at noon UTC, ids YYYY-MM-DD, oldest first. */
function daily(from: string, days: number): Snap[] {
  const t0 = Date.parse(`${from}T12:00:00Z`);
  return Array.from({ length: days }, (_, i) => {
    const time = new Date(t0 + i * DAY).toISOString();
    return { id: time.slice(0, 10), time, tags: [] };
  });
}

function usageError(f: () => unknown): HavreError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HavreError);
    expect((e as HavreError).code).toBe('USAGE');
    expect(String((e as HavreError).params.detail)).not.toBe('');
    return e as HavreError;
  }
  throw new Error('expected a USAGE error');
}

describe('applyRetention', () => {
  it('a year of daily snapshots, keepDaily 7 keepWeekly 4 keepMonthly 12', () => {
    const year = daily('2023-01-01', 365); // 2023-12-31 is a Sunday, the end of ISO week 52
    const d = applyRetention(year, { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }, new Date('2024-01-01T00:00:00Z'));
    expect(d.keep.map((k) => k.id)).toEqual([
      '2023-12-31', '2023-12-30', '2023-12-29', '2023-12-28', '2023-12-27', '2023-12-26', '2023-12-25', // daily
      '2023-12-24', '2023-12-17', '2023-12-10', // weekly (with 12-31)
      '2023-11-30', '2023-10-31', '2023-09-30', '2023-08-31', '2023-07-31', '2023-06-30', '2023-05-31',
      '2023-04-30', '2023-03-31', '2023-02-28', '2023-01-31', // monthly (with 12-31); the count is used up: 01-01 goes
    ]);
    expect(d.keep[0]).toEqual({ id: '2023-12-31', reasons: ['daily snapshot', 'weekly snapshot', 'monthly snapshot'] });
    expect(d.keep.find((k) => k.id === '2023-12-24')?.reasons).toEqual(['weekly snapshot']);
    expect(d.keep.find((k) => k.id === '2023-02-28')?.reasons).toEqual(['monthly snapshot']);
    expect(d.forget).toHaveLength(365 - 21);
    expect(d.forget[0]).toEqual({ id: '2023-12-23' });
    expect(d.forget.at(-1)).toEqual({ id: '2023-01-01' });
  });

  it('sorts newest first whatever the input order', () => {
    const year = daily('2023-01-01', 365);
    let seed = 42;
    for (let i = year.length - 1; i > 0; i--) { // deterministic Fisher-Yates shuffle
      seed = (seed * 9301 + 49297) % 233280;
      const j = Math.floor((seed / 233280) * (i + 1));
      [year[i], year[j]] = [year[j] as Snap, year[i] as Snap];
    }
    expect(year[0]?.id).not.toBe('2023-01-01');
    expect(kept(year, { keepDaily: 3 })).toEqual(['2023-12-31', '2023-12-30', '2023-12-29']);
  });

  it('keepLast keeps the n newest', () => {
    const s = daily('2024-01-01', 5);
    const d = applyRetention(s, { keepLast: 2 }, new Date('2030-01-01'));
    expect(d.keep).toEqual([
      { id: '2024-01-05', reasons: ['last snapshot'] },
      { id: '2024-01-04', reasons: ['last snapshot'] },
    ]);
    expect(d.forget.map((f) => f.id)).toEqual(['2024-01-03', '2024-01-02', '2024-01-01']);
    expect(kept(s, { keepLast: 50 })).toEqual(['2024-01-05', '2024-01-04', '2024-01-03', '2024-01-02', '2024-01-01']);
  });

  it('keepHourly keeps the newest of each of the last n hours that have one', () => {
    const s = ['10:00', '10:20', '10:40', '11:05', '11:50', '13:30'].map((h) => snap(`2024-06-01T${h}:00.000Z`));
    expect(kept(s, { keepHourly: 2 })).toEqual(['2024-06-01T13:30:00.000Z', '2024-06-01T11:50:00.000Z']);
  });

  it('keeps the oldest snapshot too while a rule has count left (restic)', () => {
    const s = [snap('2024-03-01T00:00:00Z'), snap('2024-03-15T00:00:00Z'), snap('2024-03-30T00:00:00Z')];
    const d = applyRetention(s, { keepMonthly: 5 }, new Date('2024-04-01'));
    expect(d.keep).toEqual([
      { id: '2024-03-30T00:00:00Z', reasons: ['monthly snapshot'] },
      { id: '2024-03-01T00:00:00Z', reasons: ['monthly snapshot'] },
    ]);
    expect(d.forget).toEqual([{ id: '2024-03-15T00:00:00Z' }]);
  });

  it('keepYearly', () => {
    const s = ['2020-06-01', '2021-02-01', '2021-11-01', '2022-03-01', '2022-12-31'].map((t) => snap(`${t}T00:00:00Z`));
    expect(kept(s, { keepYearly: 2 })).toEqual(['2022-12-31T00:00:00Z', '2021-11-01T00:00:00Z']);
  });

  it('weeks are ISO weeks: 2020-12-28 and 2021-01-03 share week 2020-W53', () => {
    const s = ['2020-12-28', '2021-01-03', '2021-01-04'].map((t) => snap(`${t}T08:00:00Z`));
    expect(kept(s, { keepWeekly: 2 })).toEqual(['2021-01-04T08:00:00Z', '2021-01-03T08:00:00Z']);
    // 2024-12-30 (Monday) is in 2025-W01, with 2025-01-05; 2024-12-29 is in 2024-W52.
    const t = ['2024-12-29', '2024-12-30', '2025-01-05'].map((x) => snap(`${x}T08:00:00Z`));
    expect(kept(t, { keepWeekly: 1 })).toEqual(['2025-01-05T08:00:00Z']);
    expect(kept(t, { keepWeekly: 2 })).toEqual(['2025-01-05T08:00:00Z', '2024-12-29T08:00:00Z']);
  });

  it('buckets are UTC days, whatever the zone a time is written in', () => {
    const a = { id: 'a', time: '2024-01-01T12:00:00Z', tags: [] };
    const b = { id: 'b', time: '2024-01-01T23:30:00-02:00', tags: [] }; // 2024-01-02T01:30Z
    const c = { id: 'c', time: '2024-01-02T00:10:00Z', tags: [] };
    expect(kept([a, b, c], { keepDaily: 1 })).toEqual(['b']);
    expect(kept([a, b, c], { keepDaily: 2 })).toEqual(['b', 'a']);
  });

  it('keepTags keeps tagged snapshots, "a,b" needing both', () => {
    const s = [
      { id: 'x', time: '2024-01-01T00:00:00Z', tags: ['important'] },
      { id: 'y', time: '2024-01-02T00:00:00Z', tags: ['a'] },
      { id: 'z', time: '2024-01-03T00:00:00Z', tags: ['b', 'a'] },
      { id: 'w', time: '2024-01-04T00:00:00Z', tags: [] },
    ];
    const d = applyRetention(s, { keepTags: ['important', 'a,b'] }, new Date('2030-01-01'));
    expect(d.keep).toEqual([
      { id: 'z', reasons: ['has tags a,b'] },
      { id: 'x', reasons: ['has tags important'] },
    ]);
    expect(d.forget).toEqual([{ id: 'w' }, { id: 'y' }]);
    const both = applyRetention(s, { keepTags: ['a'], keepLast: 1 }, new Date('2030-01-01'));
    expect(both.keep).toEqual([
      { id: 'w', reasons: ['last snapshot'] },
      { id: 'z', reasons: ['has tags a'] },
      { id: 'y', reasons: ['has tags a'] },
    ]);
  });

  it('keepWithin counts back from the newest snapshot that is not in the future', () => {
    const s = daily('2024-03-01', 20); // 03-01 … 03-20 at noon
    const now = new Date('2024-03-20T18:00:00Z');
    const d = applyRetention(s, { keepWithin: '1w' }, now);
    // newest is 03-20 12:00; 03-13 12:00 is exactly 7 days before: not "newer than", so it goes.
    expect(d.keep.map((k) => k.id)).toEqual(['2024-03-20', '2024-03-19', '2024-03-18', '2024-03-17', '2024-03-16', '2024-03-15', '2024-03-14']);
    expect(d.keep[0]?.reasons).toEqual(['within 1w']);
    // Backups stopped a year ago: keepWithin still keeps the last week of them, never nothing.
    expect(kept(s, { keepWithin: '1w' }, new Date('2025-03-20T00:00:00Z'))).toHaveLength(7);
    // A snapshot from a fast clock does not push the others out.
    const skewed = [...s, { id: 'future', time: '2024-09-01T00:00:00Z', tags: [] }];
    expect(kept(skewed, { keepWithin: '2d' }, now)).toEqual(['future', '2024-03-20', '2024-03-19']);
    // All in the future: nothing to count from, all kept.
    expect(kept(s, { keepWithin: '1d' }, new Date('2020-01-01'))).toHaveLength(20);
  });

  it('keepWithin months are calendar months (as Go AddDate)', () => {
    const s = ['2024-03-01T23:59:59Z', '2024-03-02T00:00:00Z', '2024-03-02T00:00:01Z', '2024-03-31T00:00:00Z'].map((t) => snap(t));
    // 2024-03-31 minus one month is "2024-02-31", which is 2024-03-02.
    expect(kept(s, { keepWithin: '1m' }, new Date('2024-04-01'))).toEqual(['2024-03-31T00:00:00Z', '2024-03-02T00:00:01Z']);
  });

  it('an empty policy keeps everything', () => {
    const s = daily('2024-01-01', 4);
    for (const policy of [{}, { keepDaily: 0, keepLast: 0, keepTags: [], keepWithin: '0d' }] as RetentionPolicy[]) {
      const d = applyRetention(s, policy, new Date('2030-01-01'));
      expect(d.forget).toEqual([]);
      expect(d.keep).toEqual(['2024-01-04', '2024-01-03', '2024-01-02', '2024-01-01'].map((id) => ({ id, reasons: ['no policy'] })));
    }
    expect(applyRetention([], { keepLast: 1 }, new Date())).toEqual({ keep: [], forget: [] });
  });

  it('rejects invalid values with USAGE', () => {
    const s = daily('2024-01-01', 2);
    const now = new Date('2030-01-01');
    for (const bad of [-1, Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
      usageError(() => applyRetention(s, { keepDaily: bad }, now));
      usageError(() => applyRetention(s, { keepLast: bad }, now));
    }
    expect(usageError(() => applyRetention(s, { keepMonthly: -3 }, now)).message).toContain('keepMonthly');
    usageError(() => applyRetention(s, { keepWithin: 'soon' }, now));
    usageError(() => applyRetention(s, { keepTags: [''] }, now));
    usageError(() => applyRetention(s, { keepTags: ['a,'] }, now));
    usageError(() => applyRetention(s, { keepLast: 1 }, new Date('nope')));
  });
});

describe('parseKeepWithin', () => {
  it('parses units, combinations and calendar months from a date', () => {
    expect(parseKeepWithin('30d')).toBe(30 * DAY);
    expect(parseKeepWithin('2w')).toBe(14 * DAY);
    expect(parseKeepWithin('6m')).toBe(180 * DAY);
    expect(parseKeepWithin('1y')).toBe(365 * DAY);
    expect(parseKeepWithin('12h')).toBe(12 * HOUR);
    expect(parseKeepWithin('1y6m2w3d4h')).toBe((365 + 180 + 14 + 3) * DAY + 4 * HOUR);
    expect(parseKeepWithin('1m', new Date('2024-03-31T00:00:00Z'))).toBe(29 * DAY);
    expect(parseKeepWithin('1y', new Date('2024-12-31T00:00:00Z'))).toBe(366 * DAY);
  });

  it('rejects malformed durations with USAGE', () => {
    for (const bad of ['', '30', 'd', '-1d', '1.5d', '30D', '1x', ' 30d', '30d ', '1d-2h', '99999999999999999999d']) {
      usageError(() => parseKeepWithin(bad));
    }
  });
});
