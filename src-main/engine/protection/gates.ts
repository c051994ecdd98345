import type { BackupWindow, PauseRequest, PauseState, Settings } from '../../ipc/contract.js';

/** What the machine says about itself; null: it does not say (no battery, no network manager). */
export interface Conditions {
  readonly onBattery: boolean | null;
  readonly batteryPercent: number | null;
  readonly metered: boolean | null;
}

export const UNKNOWN_CONDITIONS: Conditions = { onBattery: null, batteryPercent: null, metered: null };

/** A pause the user asked for: until a time (ms), or until resumed (null). */
export interface UserPause {
  readonly untilMs: number | null;
}

/**
 * Why protection must not run now, or null. Pure (docs/DECISIONS.md, "Laptop rules"): the user's
 * pause first, then the backup window, then the battery, then a metered network.
 */
export function pauseState(now: Date, s: Settings, user: UserPause | null, c: Conditions): PauseState | null {
  if (user && (user.untilMs === null || user.untilMs > now.getTime())) {
    return { reason: 'user', until: user.untilMs === null ? null : new Date(user.untilMs).toISOString() };
  }
  if (s.window && !inRange(now, s.window)) return { reason: 'window', until: nextStart(now, s.window).toISOString() };
  if (c.onBattery === true) {
    if (s.pauseOnBattery) return { reason: 'battery', until: null };
    if (c.batteryPercent !== null && c.batteryPercent < s.minBatteryPercent) return { reason: 'battery', until: null };
  }
  if (s.pauseOnMetered && c.metered === true) return { reason: 'metered', until: null };
  return null;
}

/** The pause a request asks for, from `now` (local time for "tomorrow": the next midnight). */
export function userPauseFor(req: PauseRequest, now: Date): UserPause {
  if ('minutes' in req) return { untilMs: now.getTime() + req.minutes * 60_000 };
  if (req.until === 'resumed') return { untilMs: null };
  const t = new Date(now);
  t.setHours(24, 0, 0, 0);
  return { untilMs: t.getTime() };
}

/** Upload limit in bytes per second now (the first bandwidth rule that applies, else the default); 0: none. */
export function uploadRate(now: Date, s: Settings): number {
  const rule = s.bandwidthRules.find((r) => inRange(now, r));
  const kib = rule ? rule.uploadKiBps : s.uploadKiBps;
  return kib === null ? 0 : kib * 1024;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function dayAllowed(days: readonly number[], day: number): boolean {
  return days.length === 0 || days.includes(day);
}

/** Whether local time `now` falls in the range; a range whose start is after its end spans midnight, on the day it starts. */
export function inRange(now: Date, w: Pick<BackupWindow, 'days' | 'start' | 'end'>): boolean {
  const m = now.getHours() * 60 + now.getMinutes();
  const start = minutes(w.start);
  const end = minutes(w.end);
  const day = now.getDay();
  if (start < end) return m >= start && m < end && dayAllowed(w.days, day);
  return (m >= start && dayAllowed(w.days, day)) || (m < end && dayAllowed(w.days, (day + 6) % 7));
}

/** The next local time the window opens after `now`. */
export function nextStart(now: Date, w: BackupWindow): Date {
  const start = minutes(w.start);
  for (let i = 0; i <= 8; i++) {
    const d = new Date(now);
    d.setDate(d.getDate() + i);
    d.setHours(Math.floor(start / 60), start % 60, 0, 0);
    if (d.getTime() > now.getTime() && dayAllowed(w.days, d.getDay())) return d;
  }
  return new Date(now.getTime() + 24 * 3600_000); // unreachable with a valid window
}
