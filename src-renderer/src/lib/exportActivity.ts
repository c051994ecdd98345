// The activity log as a file: CSV (RFC 4180, with a UTF-8 BOM so spreadsheets read accents) or
// JSON. Pure, so the renderer tests check the exact output.

import type { ActivityEvent } from '../../../src-main/ipc/contract.js';
import type { Lang } from './strings.js';

const COLUMNS = ['time', 'kind', 'action', 'outcome', 'files', 'bytes', 'duration_ms', 'skipped', 'snapshot', 'subject', 'error_code', 'message'] as const;

function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  // A leading =, +, - or @ would be a formula to a spreadsheet: quote it and prefix an apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function activityCsv(events: readonly ActivityEvent[], lang: Lang): string {
  const rows = events.map((e) => [e.time, e.kind, e.action, e.outcome, e.files, e.bytes, e.durationMs, e.skipped, e.snapshotId, e.subject, e.error?.code,
    e.error ? (lang === 'fr' ? e.error.messageFr : e.error.message) : undefined].map(csvField).join(','));
  return `\ufeff${[COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

export function activityJson(events: readonly ActivityEvent[]): string {
  return `${JSON.stringify({ exported: new Date().toISOString(), events }, null, 2)}\n`;
}

/** Offers text as a file download (a Blob URL, revoked once clicked). */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
