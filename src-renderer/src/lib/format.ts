// Numbers, sizes, dates and durations as people read them, per language. French uses octets
// (ko, Mo, Go) and a comma for decimals.

import type { Lang } from './strings.js';

const UNITS: Record<Lang, readonly string[]> = {
  en: ['B', 'kB', 'MB', 'GB', 'TB', 'PB'],
  fr: ['o', 'ko', 'Mo', 'Go', 'To', 'Po'],
};

export function formatCount(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang).format(n);
}

/** Decimal units (1 kB = 1000 B), as file managers show them. */
export function formatBytes(lang: Lang, bytes: number): string {
  const units = UNITS[lang];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
  return `${number}\u00a0${units[unit] ?? ''}`; // no line break between number and unit
}

export function formatDateTime(lang: Lang, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "5 minutes ago", "il y a 5 minutes", "yesterday"… */
export function formatRelative(lang: Lang, iso: string, now: number = Date.now()): string {
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return iso;
  const seconds = Math.round((time - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 86_400 * 30) return rtf.format(Math.round(seconds / 86_400), 'day');
  return formatDateTime(lang, iso);
}

/** "25%" in English, "25 %" in French. */
export function formatPercent(lang: Lang, percent: number): string {
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
}

/** "3 min", "1 h 5 min", "40 s". */
export function formatDuration(lang: Lang, totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const n = (v: number) => formatCount(lang, v);
  if (h > 0) return m > 0 ? `${n(h)}\u00a0h ${n(m)}\u00a0min` : `${n(h)}\u00a0h`;
  if (m > 0) return `${n(m)}\u00a0min`;
  return `${n(sec)}\u00a0s`;
}

/** "14:30" today, "tomorrow 09:00"/"demain 09:00", else a short date and time. */
export function formatTime(lang: Lang, iso: string, now: number = Date.now()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = new Intl.DateTimeFormat(lang, { timeStyle: 'short' }).format(date);
  const day = (d: Date): string => d.toDateString();
  if (day(date) === day(new Date(now))) return time;
  if (day(date) === day(new Date(now + 86_400_000))) return `${new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(1, 'day')} ${time}`;
  return formatDateTime(lang, iso);
}

/** "Monday 3 March" style heading for a local day (YYYY-MM-DD), "Today"/"Yesterday" for the nearest. */
export function formatDay(lang: Lang, day: string, now: number = Date.now()): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  const today = new Date(now);
  const diff = Math.round((new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime() - date.getTime()) / 86_400_000);
  if (diff === 0 || diff === 1) {
    const s = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(-diff, 'day');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  return new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', ...(date.getFullYear() !== today.getFullYear() ? { year: 'numeric' } : {}) })
    .format(date);
}
