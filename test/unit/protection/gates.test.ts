import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src-main/ipc/contract.js';
import { defaultSettings } from '../../../src-main/engine/settings/index.js';
import { inRange, nextStart, pauseState, uploadRate, userPauseFor, UNKNOWN_CONDITIONS } from '../../../src-main/engine/protection/index.js';

/** Local time: 2026-12-07 is a Monday. */
const at = (day: number, hh: number, mm = 0): Date => new Date(2026, 11, 6 + day, hh, mm);
const s = (patch: Partial<Settings> = {}): Settings => ({ ...defaultSettings('/nowhere'), ...patch });

describe('laptop rules', () => {
  it('a window within a day, on given days', () => {
    const w = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' };
    expect(inRange(at(1, 9), w)).toBe(true);
    expect(inRange(at(1, 17, 29), w)).toBe(true);
    expect(inRange(at(1, 17, 30), w)).toBe(false);
    expect(inRange(at(0, 12), w)).toBe(false); // Sunday
    expect(nextStart(at(1, 18), w)).toEqual(at(2, 9));
    expect(nextStart(at(5, 18), w)).toEqual(at(8, 9)); // Friday evening → Monday
  });

  it('a window across midnight belongs to the day it starts', () => {
    const w = { days: [5], start: '22:00', end: '06:00' }; // Friday night only
    expect(inRange(at(5, 23), w)).toBe(true);
    expect(inRange(at(6, 5, 59), w)).toBe(true); // Saturday 05:59, still Friday's night
    expect(inRange(at(6, 23), w)).toBe(false);
    expect(inRange(at(5, 5), w)).toBe(false); // Friday 05:00 belongs to Thursday's night
  });

  it('pauses for the user first, then the window, the battery, a metered network', () => {
    const now = at(1, 12);
    expect(pauseState(now, s(), null, UNKNOWN_CONDITIONS)).toBeNull();
    expect(pauseState(now, s(), { untilMs: null }, UNKNOWN_CONDITIONS)).toEqual({ reason: 'user', until: null });
    expect(pauseState(now, s(), { untilMs: now.getTime() - 1 }, UNKNOWN_CONDITIONS)).toBeNull(); // a pause that ended
    expect(pauseState(now, s({ window: { days: [], start: '19:00', end: '07:00' } }), null, UNKNOWN_CONDITIONS))
      .toEqual({ reason: 'window', until: at(1, 19).toISOString() });
    const battery = { onBattery: true, batteryPercent: 15, metered: false };
    expect(pauseState(now, s(), null, battery)).toEqual({ reason: 'battery', until: null }); // below 20 %
    expect(pauseState(now, s(), null, { ...battery, batteryPercent: 80 })).toBeNull();
    expect(pauseState(now, s({ pauseOnBattery: true }), null, { ...battery, batteryPercent: 80 })).toMatchObject({ reason: 'battery' });
    expect(pauseState(now, s(), null, { onBattery: false, batteryPercent: 5, metered: false })).toBeNull(); // charging
    expect(pauseState(now, s(), null, { ...UNKNOWN_CONDITIONS, metered: true })).toEqual({ reason: 'metered', until: null });
    expect(pauseState(now, s({ pauseOnMetered: false }), null, { ...UNKNOWN_CONDITIONS, metered: true })).toBeNull();
  });

  it('pause requests: minutes from now, tomorrow at midnight, or until resumed', () => {
    const now = at(1, 15, 20);
    expect(userPauseFor({ minutes: 30 }, now)).toEqual({ untilMs: at(1, 15, 50).getTime() });
    expect(userPauseFor({ until: 'tomorrow' }, now)).toEqual({ untilMs: at(2, 0).getTime() });
    expect(userPauseFor({ until: 'resumed' }, now)).toEqual({ untilMs: null });
  });

  it('upload rate by time of day: the first rule that applies, else the default', () => {
    const rules = [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', uploadKiBps: 256 }, { days: [], start: '00:00', end: '07:00', uploadKiBps: null }];
    expect(uploadRate(at(1, 10), s({ bandwidthRules: rules, uploadKiBps: 2048 }))).toBe(256 * 1024);
    expect(uploadRate(at(1, 3), s({ bandwidthRules: rules, uploadKiBps: 2048 }))).toBe(0); // unlimited at night
    expect(uploadRate(at(1, 20), s({ bandwidthRules: rules, uploadKiBps: 2048 }))).toBe(2048 * 1024);
    expect(uploadRate(at(0, 10), s({ bandwidthRules: rules }))).toBe(0);
  });
});
