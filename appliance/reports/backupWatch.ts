// What IT must hear about backups that stopped (issue 7): a machine that still reports (its
// heartbeat arrives) but has not completed a backup within its allowed silence raises NO_BACKUP;
// a machine that stops reporting altogether is MACHINE_SILENT (Machines.checkSilence). Together:
// no machine can fail its backups for days without an alert. And the periodic summary for IT.
import type { Alerts } from '../alerts/Alerts.js';
import type { Clock } from '../clock.js';
import { HOUR_MS, iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { machineLabel } from '../domain/Machines.js';

interface Row {
  id: string;
  host: string;
  user: string;
  enrolled: number;
  last_seen: number | null;
  last_status: string | null;
  max_silence_hours: number;
}

/** The time (ms) of the machine's last completed backup, as its last heartbeat said; null if none. */
export function lastBackupTime(lastStatus: string | null): number | null {
  if (lastStatus === null) return null;
  try {
    const s = JSON.parse(lastStatus) as { lastBackup?: { time?: unknown } | null };
    const t = typeof s.lastBackup?.time === 'string' ? Date.parse(s.lastBackup.time) : NaN;
    return Number.isFinite(t) ? t : null;
  } catch {
    return null;
  }
}

function machines(db: Db): Row[] {
  return db.prepare('SELECT id, host, user, enrolled, last_seen, last_status, max_silence_hours FROM machines WHERE revoked_at IS NULL').all() as Row[];
}

/** Raises NO_BACKUP for machines that report without completing backups, closes it for the others; returns how many were raised. */
export function checkNoBackup(db: Db, clock: Clock, alerts: Alerts): number {
  const now = clock.now();
  let raised = 0;
  for (const r of machines(db)) {
    const last = lastBackupTime(r.last_status);
    const since = last ?? r.enrolled;
    if (now - since <= r.max_silence_hours * HOUR_MS) {
      alerts.resolve('NO_BACKUP', r.id);
      continue;
    }
    // Never reported, or silent too long: MACHINE_SILENT says it (one alert per cause).
    if (r.last_seen === null || now - r.last_seen > r.max_silence_hours * HOUR_MS) continue;
    const what = last === null ? `has not completed a backup since its enrollment at ${iso(r.enrolled)}` : `has not completed a backup since ${iso(last)}`;
    const a = alerts.raise('NO_BACKUP', r.id, `Machine ${machineLabel(r)} of ${r.user} still reports (last at ${iso(r.last_seen)}) but ${what} (allowed: ${r.max_silence_hours} h).`, 'condition');
    if (a) raised++;
  }
  return raised;
}

/** Sends the summary for IT when one is due (every `everyHours`; 0: never). Returns whether it did. */
export function summaryIfDue(db: Db, clock: Clock, alerts: Alerts, everyHours: number): boolean {
  if (everyHours <= 0) return false;
  const now = clock.now();
  const last = alerts.lastTime('SUMMARY');
  if (last !== null && now - last < everyHours * HOUR_MS) return false;
  const rows = machines(db);
  const day = 24 * HOUR_MS;
  const backedUp = rows.filter((r) => now - (lastBackupTime(r.last_status) ?? -Infinity) <= day).length;
  const behind = rows.filter((r) => now - (lastBackupTime(r.last_status) ?? r.enrolled) > day)
    .map((r) => `${machineLabel(r)} of ${r.user} (last backup: ${lastBackupTime(r.last_status) === null ? 'none' : iso(lastBackupTime(r.last_status)!)})`);
  const open = db.prepare('SELECT type, COUNT(*) AS n FROM alerts WHERE open = 1 GROUP BY type ORDER BY type').all() as { type: string; n: number }[];
  const failures = db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'job.failed' AND received >= ?").get(now - everyHours * HOUR_MS) as { n: number };
  const message = [
    `Summary of the last ${everyHours} h: ${rows.length} machine(s); ${backedUp} completed a backup in the last 24 h; ${failures.n} failed job(s) reported.`,
    open.length ? `Open alerts: ${open.map((o) => `${o.type} ×${o.n}`).join(', ')}.` : 'No open alert.',
    behind.length ? `Without a completed backup for more than 24 h: ${behind.slice(0, 50).join('; ')}${behind.length > 50 ? ` and ${behind.length - 50} more` : ''}.` : '',
  ].filter(Boolean).join(' ');
  alerts.raise('SUMMARY', null, message, 'notice');
  return true;
}
