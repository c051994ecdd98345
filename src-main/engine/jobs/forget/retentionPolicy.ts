// Which snapshots a retention policy keeps, with restic's `forget` semantics so that users who
// know restic get no surprise. Pure: the caller lists snapshots and removes the forgotten ones.
//
// Buckets use UTC, not local time: the answer must not depend on the time zone or DST of whatever
// machine runs the policy (a laptop that travels, the appliance), and snapshot times are UTC
// (FORMAT.md §9). Restic uses each snapshot's own zone; for UTC times the results are the same.
import { HavreError } from '../../errors/index.js';

export interface RetentionPolicy {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  /** A duration such as '30d', '2w', '6m', '1y' or '1y6m' (see parseKeepWithin). */
  keepWithin?: string;
  /** Keep snapshots having any of these; 'a,b' means having both a and b (restic's --keep-tag). */
  keepTags?: string[];
}

export interface RetentionDecision {
  keep: { id: string; reasons: string[] }[];
  forget: { id: string }[];
}

interface Within { years: number; months: number; days: number; hours: number }

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function usage(detail: string): HavreError {
  return new HavreError('USAGE', { detail });
}

function parseWithin(s: string): Within {
  const w: Within = { years: 0, months: 0, days: 0, hours: 0 };
  // (typeof first: a policy from outside may hold anything, and coercing a nested list overflows)
  if (typeof s !== 'string' || !/^(\d+[ymwdh])+$/.test(s)) {
    throw usage(`Invalid keep-within duration "${typeof s === 'string' ? s : `(a ${typeof s})`}": use numbers with units y, m (months), w, d, h, such as 30d, 2w, 6m, 1y or 1y6m`);
  }
  for (const [, n, unit] of s.matchAll(/(\d+)([ymwdh])/g)) {
    const v = Number(n);
    if (!Number.isSafeInteger(v)) throw usage(`Invalid keep-within duration "${s}": ${n} is too large`);
    if (unit === 'y') w.years += v;
    else if (unit === 'm') w.months += v;
    else if (unit === 'w') w.days += 7 * v;
    else if (unit === 'd') w.days += v;
    else w.hours += v;
  }
  return w;
}

/** `from` minus the duration, in calendar terms (as Go's AddDate, which restic uses), in UTC. */
function backFrom(from: number, w: Within): number {
  const d = new Date(from);
  const t = Date.UTC(
    d.getUTCFullYear() - w.years, d.getUTCMonth() - w.months, d.getUTCDate() - w.days,
    d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds(),
  );
  return t - w.hours * HOUR;
}

/**
 * A keep-within duration in milliseconds. Months and years are calendar units: given `from`, the
 * result is exact for counting back from that instant (what applyRetention does); without it,
 * a month counts as 30 days and a year as 365 (for display and validation).
 */
export function parseKeepWithin(s: string, from?: Date): number {
  const w = parseWithin(s);
  if (from === undefined) return (w.years * 365 + w.months * 30 + w.days) * DAY + w.hours * HOUR;
  return from.getTime() - backFrom(from.getTime(), w);
}

function checkCount(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw usage(`Invalid ${name} ${typeof v === 'number' ? v : `(a ${typeof v})`}: it must be a whole number, 0 or more`);
  }
  return v;
}

function parseTags(tags: string[] | undefined): string[][] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw usage('Invalid keepTags: it must be a list of tags');
  return tags.map((t) => {
    const list = typeof t === 'string' ? t.split(',').map((x) => x.trim()) : [];
    // (a tag that is not text is not printed: String() of a deeply nested list overflows the stack)
    if (list.length === 0 || list.some((x) => x === '')) throw usage(`Invalid keep tag "${typeof t === 'string' ? t : `(a ${typeof t})`}": tags may not be empty`);
    return list;
  });
}

// Bucket keys as restic computes them (YYYYMMDDHH, YYYYMMDD, ISO YYYYWW, YYYYMM, YYYY).
const ymdh = (d: Date): number => d.getUTCFullYear() * 1_000_000 + (d.getUTCMonth() + 1) * 10_000 + d.getUTCDate() * 100 + d.getUTCHours();
const ymd = (d: Date): number => d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
const ym = (d: Date): number => d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
const y = (d: Date): number => d.getUTCFullYear();

/** ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday. */
function yw(d: Date): number {
  const day = (d.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return year * 100 + week;
}

interface Bucket { count: number; key: (d: Date, nr: number) => number; last: number; reason: string }

/**
 * Decides which snapshots to keep, newest first, as restic's `forget`:
 * - keepLast/Hourly/Daily/Weekly/Monthly/Yearly N: going from the newest, keep the newest snapshot
 *   of each of the last N hours/days/ISO weeks/months/years that have one; a rule whose count is
 *   not used up also keeps the oldest snapshot (restic ≥ 0.16: longest history for the budget);
 * - keepWithin d: keep every snapshot newer than d before the newest snapshot that is not after
 *   `now` (not before `now` itself: a machine that stopped backing up keeps its history, and a
 *   snapshot from a fast clock cannot push the others out);
 * - keepTags: keep every snapshot carrying one of the tag lists.
 * A policy with no rule (all zero or absent) keeps everything, with the reason 'no policy'.
 * Both lists are sorted newest first; snapshots with the same time keep their input order.
 */
export function applyRetention(
  snapshots: { id: string; time: string; tags: string[] }[],
  policy: RetentionPolicy,
  now: Date,
): RetentionDecision {
  if (typeof policy !== 'object' || policy === null) throw usage('Invalid retention policy: it must be an object');
  const buckets: Bucket[] = [
    { count: checkCount('keepLast', policy.keepLast), key: (_d, nr) => nr, last: -1, reason: 'last snapshot' },
    { count: checkCount('keepHourly', policy.keepHourly), key: ymdh, last: -1, reason: 'hourly snapshot' },
    { count: checkCount('keepDaily', policy.keepDaily), key: ymd, last: -1, reason: 'daily snapshot' },
    { count: checkCount('keepWeekly', policy.keepWeekly), key: yw, last: -1, reason: 'weekly snapshot' },
    { count: checkCount('keepMonthly', policy.keepMonthly), key: ym, last: -1, reason: 'monthly snapshot' },
    { count: checkCount('keepYearly', policy.keepYearly), key: y, last: -1, reason: 'yearly snapshot' },
  ];
  const within = policy.keepWithin === undefined ? undefined : parseWithin(policy.keepWithin);
  const hasWithin = within !== undefined && within.years + within.months + within.days + within.hours > 0;
  const tagLists = parseTags(policy.keepTags);
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw usage('Invalid current time');

  const list = snapshots
    .map((s, i) => {
      const ms = Date.parse(s.time);
      if (Number.isNaN(ms)) throw new HavreError('INTERNAL', { reason: `snapshot ${s.id} has an invalid time "${s.time}"` });
      return { s, ms, i };
    })
    .sort((a, b) => b.ms - a.ms || a.i - b.i);

  if (!hasWithin && tagLists.length === 0 && buckets.every((b) => b.count === 0)) {
    return { keep: list.map(({ s }) => ({ id: s.id, reasons: ['no policy'] })), forget: [] };
  }

  let cutoff = -Infinity;
  if (hasWithin) {
    const latest = list.find((x) => x.ms < nowMs);
    if (latest !== undefined) cutoff = backFrom(latest.ms, within);
  }

  const decision: RetentionDecision = { keep: [], forget: [] };
  list.forEach(({ s, ms }, nr) => {
    const reasons: string[] = [];
    for (const l of tagLists) {
      if (l.every((t) => s.tags.includes(t))) reasons.push(`has tags ${l.join(',')}`);
    }
    if (hasWithin && ms > cutoff) reasons.push(`within ${policy.keepWithin ?? ''}`);
    const d = new Date(ms);
    for (const b of buckets) {
      if (b.count === 0) continue;
      const k = b.key(d, nr);
      // The oldest snapshot is also kept while a rule has count left.
      if (k !== b.last || nr === list.length - 1) {
        b.last = k;
        b.count--;
        reasons.push(b.reason);
      }
    }
    if (reasons.length > 0) decision.keep.push({ id: s.id, reasons });
    else decision.forget.push({ id: s.id });
  });
  return decision;
}
